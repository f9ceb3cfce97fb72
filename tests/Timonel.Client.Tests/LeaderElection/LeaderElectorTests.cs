using System.Diagnostics;
using k8s;
using k8s.Models;
using Timonel.Client.LeaderElection;
using Timonel.Testing;
using Xunit;

namespace Timonel.Client.Tests.LeaderElection;

public sealed class LeaderElectorTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const string Namespace = "kube-system";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static int _leases;

    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task RunAsync_ThreeCandidates_ExactlyOneLeads()
    {
        var lease = NewLeaseName();
        var recorder = new LeadershipRecorder();
        using var stop = new CancellationTokenSource();
        var electors = Enumerable.Range(0, 3).Select(i => NewElector(lease, $"c{i}")).ToList();
        var runs = electors.Select(e => e.RunAsync(recorder.Lead(e.Config.Identity), cancellationToken: stop.Token)).ToList();

        var leader = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current), Wait, "a leader");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(leader, recorder.Current);
        Assert.Single(electors, e => e.IsLeader);
        Assert.All(electors, e => Assert.Equal(leader, e.CurrentLeader));
        var stored = await Cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(lease, Namespace);
        Assert.Equal(leader, stored.Spec.HolderIdentity);
        Assert.Equal(2, stored.Spec.LeaseDurationSeconds);

        await stop.CancelAsync();
        await Task.WhenAll(runs);
        Assert.Equal(1, recorder.MaxConcurrent);
    }

    [Fact]
    public async Task RunAsync_LeaderCancelled_ReleasesAndAnotherTakesOverFast()
    {
        var lease = NewLeaseName();
        var recorder = new LeadershipRecorder();
        // A long lease: a takeover well before it ends proves the lease was released.
        var duration = TimeSpan.FromSeconds(30);
        var candidates = Enumerable.Range(0, 3).Select(i => (Elector: NewElector(lease, $"c{i}", duration), Stop: new CancellationTokenSource())).ToList();
        var runs = candidates.Select(c => c.Elector.RunAsync(recorder.Lead(c.Elector.Config.Identity), cancellationToken: c.Stop.Token)).ToList();
        var first = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current), Wait, "a leader");

        var clock = Stopwatch.StartNew();
        var leader = candidates.Single(c => c.Elector.Config.Identity == first);
        await leader.Stop.CancelAsync();
        await runs[candidates.IndexOf(leader)];
        var second = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current is { } c && c != first ? c : null), Wait, "a new leader");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"takeover took {clock.Elapsed}");
        var stored = await Cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(lease, Namespace);
        Assert.Equal(second, stored.Spec.HolderIdentity);
        Assert.Equal(1, stored.Spec.LeaseTransitions);
        await StopAllAsync(candidates.Select(c => c.Stop), runs);
        Assert.Equal(1, recorder.MaxConcurrent);
    }

    [Fact]
    public async Task RunAsync_LeaderStopsRenewingWithoutRelease_AnotherTakesOverAfterLeaseDuration()
    {
        var lease = NewLeaseName();
        var recorder = new LeadershipRecorder();
        var duration = TimeSpan.FromSeconds(3);
        var candidates = Enumerable.Range(0, 3).Select(i => (Elector: NewElector(lease, $"c{i}", duration, release: false), Stop: new CancellationTokenSource())).ToList();
        var runs = candidates.Select(c => c.Elector.RunAsync(recorder.Lead(c.Elector.Config.Identity), cancellationToken: c.Stop.Token)).ToList();
        var first = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current), Wait, "a leader");

        var leader = candidates.Single(c => c.Elector.Config.Identity == first);
        await leader.Stop.CancelAsync();
        await runs[candidates.IndexOf(leader)];
        var clock = Stopwatch.StartNew();
        var held = await Cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(lease, Namespace);
        Assert.Equal(first, held.Spec.HolderIdentity);
        var second = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current is { } c && c != first ? c : null), Wait, "a new leader");

        // Observers count the duration from when they last saw the lease change, which was at
        // most one retry period (plus jitter) before the leader stopped.
        Assert.InRange(clock.Elapsed, duration - TimeSpan.FromSeconds(0.6), duration + TimeSpan.FromSeconds(3));
        var stored = await Cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(lease, Namespace);
        Assert.Equal(second, stored.Spec.HolderIdentity);
        Assert.Equal(1, stored.Spec.LeaseTransitions);
        await StopAllAsync(candidates.Select(c => c.Stop), runs);
        Assert.Equal(1, recorder.MaxConcurrent);
    }

    [Fact]
    public async Task RunAsync_LeaderPartitioned_CancelsItsWorkBeforeAnotherTakesOver()
    {
        var lease = NewLeaseName();
        var recorder = new LeadershipRecorder();
        var partitions = Enumerable.Range(0, 3).Select(_ => new PartitionHandler()).ToList();
        var electors = Enumerable.Range(0, 3).Select(i => NewElector(lease, $"c{i}", client: NewClient(partitions[i]))).ToList();
        var lostAt = new DateTimeOffset?[3];
        using var stop = new CancellationTokenSource();
        var runs = electors.Select((e, i) => e.RunAsync(recorder.Lead(e.Config.Identity), () => lostAt[i] = DateTimeOffset.UtcNow, cancellationToken: stop.Token)).ToList();
        var first = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current), Wait, "a leader");
        var index = electors.FindIndex(e => e.Config.Identity == first);

        partitions[index].Partitioned = true;
        await runs[index];
        Assert.NotNull(lostAt[index]);
        var second = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current is { } c && c != first ? c : null), Wait, "a new leader");

        Assert.NotEqual(first, second);
        Assert.Equal(1, recorder.MaxConcurrent);
        Assert.Equal([first, second], recorder.History);
        await stop.CancelAsync();
        await Task.WhenAll(runs);
    }

    [Fact]
    public async Task RunAsync_ObserverClockHoursAhead_DoesNotStealARenewedLease()
    {
        var lease = NewLeaseName();
        var recorder = new LeadershipRecorder();
        using var stop = new CancellationTokenSource();
        var leader = NewElector(lease, "steady");
        var leaderRun = leader.RunAsync(recorder.Lead("steady"), cancellationToken: stop.Token);
        await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current), Wait, "a leader");

        // Its renewTime looks hours old to this observer: only the observer's own clock counts.
        var skewed = NewElector(lease, "skewed", time: new SkewedClock(TimeSpan.FromHours(3)));
        var skewedRun = skewed.RunAsync(recorder.Lead("skewed"), cancellationToken: stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Equal(["steady"], recorder.History);
        Assert.Equal("steady", skewed.CurrentLeader);
        await stop.CancelAsync();
        await Task.WhenAll(leaderRun, skewedRun);
    }

    [Fact]
    public async Task RunAsync_ConcurrentWritersOnTheLease_LeaderKeepsLeadingThroughConflicts()
    {
        var lease = NewLeaseName();
        var recorder = new LeadershipRecorder();
        using var stop = new CancellationTokenSource();
        var electors = Enumerable.Range(0, 5).Select(i => NewElector(lease, $"c{i}")).ToList();
        var runs = electors.Select(e => e.RunAsync(recorder.Lead(e.Config.Identity), cancellationToken: stop.Token)).ToList();
        var leader = await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current), Wait, "a leader");

        // Another writer keeps bumping the Lease's resourceVersion, so renewals meet 409s.
        for (var i = 0; i < 40; i++)
        {
            var current = await Cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(lease, Namespace);
            current.Metadata.Annotations = new Dictionary<string, string> { ["test/bump"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            try
            {
                await Cluster.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(current, lease, Namespace);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
            }

            await Task.Delay(50);
        }

        Assert.Equal([leader], recorder.History);
        Assert.Single(electors, e => e.IsLeader);
        await stop.CancelAsync();
        await Task.WhenAll(runs);
        Assert.Equal(1, recorder.MaxConcurrent);
    }

    [Fact]
    public async Task RunAsync_LeaderWorkThrows_RethrowsAfterReleasing()
    {
        var lease = NewLeaseName();
        var elector = NewElector(lease, "faulty", TimeSpan.FromSeconds(30));
        var stopped = false;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            elector.RunAsync(_ => throw new InvalidOperationException("work failed"), () => stopped = true));

        Assert.Equal("work failed", error.Message);
        Assert.True(stopped);
        var stored = await Cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(lease, Namespace);
        Assert.True(string.IsNullOrEmpty(stored.Spec.HolderIdentity));
        Assert.Equal(1, stored.Spec.LeaseDurationSeconds);
    }

    [Fact]
    public async Task RunAsync_CancelledBeforeLeading_DoesNotCallStoppedLeading()
    {
        var lease = NewLeaseName();
        var recorder = new LeadershipRecorder();
        using var stopLeader = new CancellationTokenSource();
        var leader = NewElector(lease, "leader", TimeSpan.FromSeconds(30), release: false);
        var leaderRun = leader.RunAsync(recorder.Lead("leader"), cancellationToken: stopLeader.Token);
        await Eventually.WaitAsync(_ => Task.FromResult(recorder.Current), Wait, "a leader");
        var observed = new List<string>();
        var stopped = false;
        using var stopFollower = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));

        await NewElector(lease, "follower").RunAsync(recorder.Lead("follower"), () => stopped = true, observed.Add, stopFollower.Token);

        Assert.False(stopped);
        Assert.Equal(["leader"], observed);
        await stopLeader.CancelAsync();
        await leaderRun;
    }

    [Fact]
    public async Task RunAsync_CalledTwice_Throws()
    {
        var elector = NewElector(NewLeaseName(), "once");
        using var stop = new CancellationTokenSource();
        var run = elector.RunAsync(ct => Task.Delay(Timeout.Infinite, ct), cancellationToken: stop.Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => elector.RunAsync(_ => Task.CompletedTask));

        await stop.CancelAsync();
        await run;
    }

    [Theory]
    [InlineData(15, 15, 2, "LeaseDuration")]
    [InlineData(15, 2, 2, "RenewDeadline")]
    [InlineData(15, 10, 0, "RetryPeriod")]
    public void Constructor_BadTimings_ThrowsNamingTheSetting(int lease, int renew, int retry, string named)
    {
        var config = new LeaderElectionConfig
        {
            LeaseNamespace = Namespace,
            LeaseName = "x",
            Identity = "me",
            LeaseDuration = TimeSpan.FromSeconds(lease),
            RenewDeadline = TimeSpan.FromSeconds(renew),
            RetryPeriod = TimeSpan.FromSeconds(retry),
        };

        var error = Assert.Throws<ArgumentException>(() => new LeaderElector(Cluster.Client, config));

        Assert.StartsWith(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EmptyIdentity_Throws()
    {
        var config = new LeaderElectionConfig { LeaseNamespace = Namespace, LeaseName = "x", Identity = " " };

        var error = Assert.Throws<ArgumentException>(() => new LeaderElector(Cluster.Client, config));

        Assert.Contains("Identity", error.Message, StringComparison.Ordinal);
    }

    private static string NewLeaseName() => $"election-{Interlocked.Increment(ref _leases)}";

    private IKubernetes NewClient(DelegatingHandler handler) =>
        new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Cluster.KubeconfigPath), handler);

    private LeaderElector NewElector(string lease, string identity, TimeSpan? duration = null, bool release = true, IKubernetes? client = null, TimeProvider? time = null) =>
        new(client ?? Cluster.NewClient(), new LeaderElectionConfig
        {
            LeaseNamespace = Namespace,
            LeaseName = lease,
            Identity = identity,
            LeaseDuration = duration ?? TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
            ReleaseOnCancel = release,
            Time = time ?? TimeProvider.System,
        });

    private static async Task StopAllAsync(IEnumerable<CancellationTokenSource> stops, IEnumerable<Task> runs)
    {
        foreach (var stop in stops)
        {
            await stop.CancelAsync();
        }

        await Task.WhenAll(runs);
    }
}
