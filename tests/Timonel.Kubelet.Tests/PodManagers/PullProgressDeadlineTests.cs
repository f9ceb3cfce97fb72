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

    /// <summary>The first look (at the pull's start) sees nothing; later looks see what <see cref="Next"/> gives.</summary>
    private sealed class ScriptedIngests : IIngestStatuses, IDisposable
    {
        private readonly SemaphoreSlim _looked = new(0);
        private int _looks;

        public Func<IReadOnlyList<IngestStatus>> Next { get; set; } = () => [];

        public int Looks => Volatile.Read(ref _looks);

        public List<string> Aborted { get; } = [];

        public Task<IReadOnlyList<IngestStatus>> ListAsync(CancellationToken cancellationToken)
        {
            var look = Interlocked.Increment(ref _looks);
            IReadOnlyList<IngestStatus> answer = look == 1 ? [] : Next();
            _looked.Release();
            return Task.FromResult(answer);
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

