using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>--image-pull-progress-deadline through the pod syncer: a pull whose download stopped is cancelled, its download aborted, and the pod says why.</summary>
public sealed class PullProgressDeadlineTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Image = "registry.test/app:1";
    private const string Layer = "layer-sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    [Fact]
    public async Task DownloadStuck_PullCancelledAtTheDeadline_IngestAborted_ErrImagePullNamesTheLayer_ThenPullsOnceFixed()
    {
        using var ingests = new ScriptedIngests();
        var pod = PodSyncerHarness.NewPod("Always");
        pod.Spec.Containers[0].Image = Image;
        pod.Spec.Containers[0].ImagePullPolicy = "Always";
        await using var h = new PodSyncerHarness(pod, ingests: ingests);
        h.Runtime.StalledImages.Add(Image);
        // Nothing under way when the pull starts; then its layer stops at 3 MiB.
        ingests.Next = () => [new IngestStatus(Layer, 3_145_728, 8_401_234, h.Time.GetUtcNow())];

        var sync = h.SyncAsync();
        await ingests.WaitForLooksAsync(1, TimeSpan.FromSeconds(10));
        var advanced = TimeSpan.Zero;
        while (!sync.IsCompleted && advanced < TimeSpan.FromMinutes(2))
        {
            // One second of the fake clock, then until the watch looked (bounded: an advance made
            // before the watch set its next timer is only seen with the next one).
            var looks = ingests.Looks;
            h.Time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await ingests.WaitForLooksAsync(looks + 1, TimeSpan.FromMilliseconds(200));
        }

        output.WriteLine($"advanced {advanced}, looks {ingests.Looks}, calls {string.Join(", ", h.Runtime.Calls)}");
        Assert.True(sync.IsCompleted, "the stalled pull never ended");
        await sync;
        // The deadline is the default, 1m: the pull ran that long without a byte, and not much longer.
        Assert.InRange(advanced, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(66));
        var waiting = h.Posted[^1].ContainerStatuses[0].State.Waiting;
        Assert.Equal("ErrImagePull", waiting?.Reason);
        const string Why = "pull cancelled: no progress for 1m0s (--image-pull-progress-deadline): layer sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff stuck at 3145728 of 8401234 bytes";
        Assert.Equal(Why, waiting?.Message);
        Assert.Equal([Layer], ingests.Aborted);
        Assert.Contains($"Failed: Failed to pull image \"{Image}\": {Why}", await h.EventTextsAsync());

        // Backing off (counted from the failure, not from the sync that began a minute before), it
        // says why; past the back-off the registry answers again and the pod runs.
        await h.SyncAsync();
        Assert.Equal("ImagePullBackOff", h.Posted[^1].ContainerStatuses[0].State.Waiting?.Reason);
        Assert.EndsWith($"ErrImagePull: {Why}", h.Posted[^1].ContainerStatuses[0].State.Waiting?.Message, StringComparison.Ordinal);
        h.Runtime.StalledImages.Clear();
        ingests.Next = () => [];
        h.Time.Advance(TimeSpan.FromSeconds(11));
        await h.SyncAsync();
        Assert.NotEmpty(h.Runtime.ContainersNamed("app"));
    }

    [Fact]
    public async Task PullEndsWhileALookIsOnTheWire_PullCountsAsDone_ContainerStarts()
    {
        using var ingests = new ScriptedIngests { HoldLooksUntilCancelled = true };
        var pod = PodSyncerHarness.NewPod("Always");
        pod.Spec.Containers[0].Image = Image;
        pod.Spec.Containers[0].ImagePullPolicy = "Always";
        await using var h = new PodSyncerHarness(pod, ingests: ingests);
        var pulled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Runtime.SlowImages[Image] = pulled.Task;

        var sync = h.SyncAsync();
        await ingests.WaitForLooksAsync(1, TimeSpan.FromSeconds(10));
        // The watch's next look starts and stays on the wire; the pull finishes meanwhile.
        for (var i = 0; i < 50 && ingests.Looks < 2; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await ingests.WaitForLooksAsync(2, TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal(2, ingests.Looks);
        pulled.SetResult();
        await sync.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(ingests.LookCancelled, "the look on the wire was not cancelled: the test did not reach the case");
        Assert.Null(h.Posted[^1].ContainerStatuses[0].State.Waiting?.Reason);
        Assert.NotEmpty(h.Runtime.ContainersNamed("app"));
        Assert.DoesNotContain(await h.EventTextsAsync(), e => e.StartsWith("Failed", StringComparison.Ordinal));
    }

    /// <summary>The first look (at the pull's start) sees nothing; later looks see what <see cref="Next"/> gives.</summary>
    private sealed class ScriptedIngests : IIngestStatuses, IDisposable
    {
        private readonly SemaphoreSlim _looked = new(0);
        private int _looks;

        public Func<IReadOnlyList<IngestStatus>> Next { get; set; } = () => [];

        public int Looks => Volatile.Read(ref _looks);

        public List<string> Aborted { get; } = [];

        /// <summary>Looks after the first stay on the wire until cancelled, then fail as a cancelled gRPC call does.</summary>
        public bool HoldLooksUntilCancelled { get; init; }

        public bool LookCancelled { get; private set; }

        public async Task<IReadOnlyList<IngestStatus>> ListAsync(CancellationToken cancellationToken)
        {
            var look = Interlocked.Increment(ref _looks);
            IReadOnlyList<IngestStatus> answer = look == 1 ? [] : Next();
            _looked.Release();
            if (look > 1 && HoldLooksUntilCancelled)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    LookCancelled = true;
                    throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Cancelled, "Call canceled by the client."));
                }
            }

            return answer;
        }

        public Task AbortAsync(string reference, CancellationToken cancellationToken)
        {
            lock (Aborted)
            {
                Aborted.Add(reference);
            }

            return Task.CompletedTask;
        }

        public void Dispose() => _looked.Dispose();

        /// <summary>Waits (real time, at most <paramref name="timeout"/>) until the watch has looked <paramref name="count"/> times.</summary>
        public async Task WaitForLooksAsync(int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Looks < count && DateTime.UtcNow < deadline)
            {
                await _looked.WaitAsync(TimeSpan.FromMilliseconds(20));
            }
        }
    }
}

