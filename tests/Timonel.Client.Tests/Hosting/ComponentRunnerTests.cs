using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Hosting;
using Timonel.Testing;
using Xunit;

namespace Timonel.Client.Tests.Hosting;

public sealed class ComponentRunnerTests
{
    private sealed class CountingComponent(string? lease, bool failFirst = false) : IClusterComponent
    {
        private int _runs;
        private int _active;

        public string Name => "counting";

        public string? LeaseName => lease;

        public int Runs => Volatile.Read(ref _runs);

        public int MaxActive { get; private set; }

        public int Active => Volatile.Read(ref _active);

        public async Task RunAsync(IKubernetes client, CancellationToken cancellationToken)
        {
            var run = Interlocked.Increment(ref _runs);
            var active = Interlocked.Increment(ref _active);
            MaxActive = Math.Max(MaxActive, active);
            try
            {
                if (failFirst && run == 1)
                {
                    throw new InvalidOperationException("first run fails");
                }

                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }
    }

    [Fact]
    public async Task RunAsync_TwoRunnersOneLease_OnlyOneComponentActive()
    {
        await using var cluster = await TestCluster.StartAsync();
        var shared = new CountingComponent("test-component");
        using var stop = new CancellationTokenSource();
        var a = new ComponentRunner(cluster.NewClient(), "server-a", NullLoggerFactory.Instance) { LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(1.5), RetryPeriod = TimeSpan.FromMilliseconds(200) };
        var b = new ComponentRunner(cluster.NewClient(), "server-b", NullLoggerFactory.Instance) { LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(1.5), RetryPeriod = TimeSpan.FromMilliseconds(200) };

        var running = Task.WhenAll(a.RunAsync([shared], stop.Token), b.RunAsync([shared], stop.Token));
        await Eventually.WaitAsync(_ => Task.FromResult(shared.Active == 1), TimeSpan.FromSeconds(10), "one active instance");
        await Task.Delay(1000);

        Assert.Equal(1, shared.MaxActive);
        await stop.CancelAsync();
        await running;
        Assert.Equal(0, shared.Active);
    }

    [Fact]
    public async Task RunAsync_ComponentThrows_IsRestarted()
    {
        await using var cluster = await TestCluster.StartAsync();
        var flaky = new CountingComponent(lease: null, failFirst: true);
        using var stop = new CancellationTokenSource();
        var runner = new ComponentRunner(cluster.Client, "server-a", NullLoggerFactory.Instance);

        var running = runner.RunAsync([flaky], stop.Token);
        await Eventually.WaitAsync(_ => Task.FromResult(flaky.Runs >= 2 && flaky.Active == 1), TimeSpan.FromSeconds(10), "a second run after the failure");

        await stop.CancelAsync();
        await running;
    }
}
