using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Testing;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class ControllerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunAsync_SyncThrows_RetriedWithBackoffThenForgotten()
    {
        var clock = new FakeTimeProvider();
        using var controller = new FlakyController(clock, failures: 2);
        using var cts = new CancellationTokenSource();
        var run = controller.RunAsync(2, cts.Token);

        controller.Enqueue("ns/a");
        await Eventually.WaitAsync(_ => Task.FromResult(controller.Calls.Count == 1), Timeout, "first sync");
        await Eventually.WaitAsync(_ => Task.FromResult(controller.Queue.NumRequeues("ns/a") == 1), Timeout, "requeue counted");
        clock.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.WaitAsync(_ => Task.FromResult(controller.Calls.Count == 2), Timeout, "second sync after 5 ms");
        await Eventually.WaitAsync(_ => Task.FromResult(controller.Queue.NumRequeues("ns/a") == 2), Timeout, "second requeue");
        clock.Advance(TimeSpan.FromMilliseconds(9));
        await Task.Delay(100);
        Assert.Equal(2, controller.Calls.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.WaitAsync(_ => Task.FromResult(controller.Calls.Count == 3), Timeout, "third sync after 10 ms");
        await Eventually.WaitAsync(_ => Task.FromResult(controller.Queue.NumRequeues("ns/a") == 0), Timeout, "forgotten after success");

        await cts.CancelAsync();
        await run.WaitAsync(Timeout);
        Assert.True(controller.Queue.IsShuttingDown);
    }

    [Fact]
    public async Task RunAsync_InformerNeverSyncs_NoWorkStartsUntilCancelled()
    {
        using var controller = new FlakyController(new FakeTimeProvider(), failures: 0);
        controller.Enqueue("ns/a");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await controller.RunAsync(1, [new NeverSynced()], cts.Token).WaitAsync(Timeout);
        Assert.Empty(controller.Calls);
    }

    [Fact]
    public async Task RunAsync_ZeroWorkers_Throws()
    {
        using var controller = new FlakyController(new FakeTimeProvider(), failures: 0);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => controller.RunAsync(0, CancellationToken.None));
    }

    private sealed class FlakyController(TimeProvider time, int failures) : Controller("flaky-controller", time: time)
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        protected override Task SyncAsync(string key, CancellationToken cancellationToken)
        {
            Calls.Enqueue(key);
            return Calls.Count <= failures ? throw new InvalidOperationException("transient") : Task.CompletedTask;
        }
    }

    private sealed class NeverSynced : ISharedInformer
    {
        public bool HasSynced => false;

        public void Start()
        {
        }

        public Task WaitForSyncAsync(CancellationToken cancellationToken) => Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
