using k8s.Models;
using Timonel.Scheduler.Config;
using Xunit;

namespace Timonel.Scheduler.Tests;

public class SchedulerTests
{
    private readonly FakeClient _client = new();
    private readonly ManualTime _time = new();

    private SchedulerInstance New(SchedulerConfiguration? config = null) =>
        new(config ?? SchedulerConfiguration.Default, _client, new SchedulerOptions { Parallelism = 2, RandomSeed = 1 }, _time);

    private static async Task RunOnceAsync(SchedulerInstance s)
    {
        var info = await s.Queue.PopAsync(CancellationToken.None);
        await s.Scheduler.ScheduleOneAsync(info, CancellationToken.None);
        await s.Scheduler.WaitForBackgroundAsync();
    }

    [Fact]
    public async Task ScheduleOne_FittingPod_BoundToNodeWithRoom()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("small", cpu: "1"));
        s.Events.OnNodeAdd(Make.Node("big", cpu: "8"));
        s.Events.OnPodAdd(Make.Pod("p", cpu: "2"));

        await RunOnceAsync(s);

        Assert.Equal("big", _client.Bindings["p"]);
        Assert.Empty(_client.Failures);
    }

    [Fact]
    public async Task ScheduleOne_FewerFeasibleNodesThanLastCycle_PicksOnlyAFeasibleNode()
    {
        // The score buffer of a cycle with four feasible nodes is reused by cycles with two:
        // its stale tail must never be chosen (it used to throw ArgumentOutOfRangeException).
        var s = New();
        for (var i = 0; i < 4; i++)
        {
            s.Events.OnNodeAdd(Make.Node($"n{i}", cpu: "8", labels: i < 2 ? Make.Labels("pick=yes") : null));
        }

        s.Events.OnPodAdd(Make.Pod("wide", cpu: "100m"));
        await RunOnceAsync(s);
        for (var i = 0; i < 10; i++)
        {
            var pod = Make.Pod($"narrow-{i}", cpu: "100m");
            pod.Spec.NodeSelector = Make.Labels("pick=yes");
            s.Events.OnPodAdd(pod);
            await RunOnceAsync(s);
        }

        Assert.Empty(_client.Failures);
        Assert.Equal(11, _client.Bindings.Count);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Contains(_client.Bindings[$"narrow-{i}"], new[] { "n0", "n1" }));
    }

    [Fact]
    public async Task ScheduleOne_NoRoom_ReportsUpstreamMessage()
    {
        var s = New();
        for (var i = 0; i < 3; i++)
        {
            s.Events.OnNodeAdd(Make.Node($"n{i}", cpu: "1"));
        }

        for (var i = 3; i < 5; i++)
        {
            s.Events.OnNodeAdd(Make.Node($"n{i}", cpu: "8", taints: [new V1Taint { Key = "key", Value = "value", Effect = "NoSchedule" }]));
        }

        s.Events.OnPodAdd(Make.Pod("p", cpu: "2"));

        await RunOnceAsync(s);

        var failure = Assert.Single(_client.Failures);
        Assert.Equal("Unschedulable", failure.Reason);
        Assert.Equal(
            "0/5 nodes are available: 2 node(s) had untolerated taint {key: value}, 3 Insufficient cpu. preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.",
            failure.Message);
        Assert.Equal((0, 0, 1), s.Queue.Counts());
    }

    [Fact]
    public async Task ScheduleOne_Unschedulable_RetriedWhenBiggerNodeJoins()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("small", cpu: "1"));
        s.Events.OnPodAdd(Make.Pod("p", cpu: "2"));
        await RunOnceAsync(s);
        Assert.Equal((0, 0, 1), s.Queue.Counts());

        s.Events.OnNodeAdd(Make.Node("tiny", cpu: "500m"));
        Assert.Equal((0, 0, 1), s.Queue.Counts());

        s.Events.OnNodeAdd(Make.Node("big", cpu: "4"));
        Assert.Equal((0, 1, 0), s.Queue.Counts());
    }

    [Fact]
    public async Task ScheduleOne_AssumedPodCounts_NextPodGoesElsewhere()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("a", cpu: "2"));
        s.Events.OnNodeAdd(Make.Node("b", cpu: "2"));
        s.Events.OnPodAdd(Make.Pod("p1", cpu: "2"));
        s.Events.OnPodAdd(Make.Pod("p2", cpu: "2"));

        await RunOnceAsync(s);
        await RunOnceAsync(s);

        Assert.NotEqual(_client.Bindings["p1"], _client.Bindings["p2"]);
    }

    [Fact]
    public async Task ScheduleOne_BindFails_PodForgottenAndRequeued()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("a"));
        s.Events.OnPodAdd(Make.Pod("p", cpu: "1"));
        _client.FailBinds = true;

        await RunOnceAsync(s);

        Assert.Empty(s.Cache.Pods());
        Assert.Equal((0, 1, 0), s.Queue.Counts());
        Assert.Contains(_client.Failures, f => f.Reason == "SchedulerError" && f.Message.Contains("binding refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ScheduleOne_HighPriorityPod_PreemptsLowPriorityVictim()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("a", cpu: "2"));
        var low = Make.Pod("low", cpu: "2", priority: 1, nodeName: "a");
        s.Events.OnPodAdd(low);
        s.Events.OnPodAdd(Make.Pod("high", cpu: "2", priority: 1000));

        await RunOnceAsync(s);

        var victim = Assert.Single(_client.Deleted);
        Assert.Equal("low", victim.Metadata.Name);
        var failure = Assert.Single(_client.Failures);
        Assert.Equal("a", failure.Nominated);

        // The victim goes away: the preemptor is retried and lands on the nominated node.
        s.Events.OnPodDelete(low);
        _time.Advance(TimeSpan.FromSeconds(2));
        s.Queue.FlushBackoffCompleted();
        await RunOnceAsync(s);

        Assert.Equal("a", _client.Bindings["high"]);
    }

    [Fact]
    public async Task ScheduleOne_PreemptionPolicyNever_DoesNotEvict()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("a", cpu: "2"));
        s.Events.OnPodAdd(Make.Pod("low", cpu: "2", priority: 1, nodeName: "a"));
        var high = Make.Pod("high", cpu: "2", priority: 1000);
        high.Spec.PreemptionPolicy = "Never";
        s.Events.OnPodAdd(high);

        await RunOnceAsync(s);

        Assert.Empty(_client.Deleted);
        Assert.Contains("preemption: not eligible due to preemptionPolicy=Never.", Assert.Single(_client.Failures).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScheduleOne_PdbProtectedPod_AvoidedWhenAnotherNodeNeedsNoViolation()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("a", cpu: "2"));
        s.Events.OnNodeAdd(Make.Node("b", cpu: "2"));
        s.Events.OnPodAdd(Make.Pod("guarded", cpu: "2", priority: 1, nodeName: "a", labels: Make.Labels("app=guarded")));
        s.Events.OnPodAdd(Make.Pod("free", cpu: "2", priority: 1, nodeName: "b"));
        s.Events.OnDisruptionBudget(
            new V1PodDisruptionBudget
            {
                Metadata = new V1ObjectMeta { Name = "pdb", NamespaceProperty = "default" },
                Spec = new V1PodDisruptionBudgetSpec { Selector = new V1LabelSelector { MatchLabels = Make.Labels("app=guarded") } },
                Status = new V1PodDisruptionBudgetStatus { DisruptionsAllowed = 0 },
            },
            deleted: false);
        s.Events.OnPodAdd(Make.Pod("high", cpu: "2", priority: 1000));

        await RunOnceAsync(s);

        Assert.Equal("free", Assert.Single(_client.Deleted).Metadata.Name);
    }

    [Fact]
    public async Task ScheduleOne_OtherSchedulerName_Ignored()
    {
        var s = New();
        s.Events.OnNodeAdd(Make.Node("a"));
        var pod = Make.Pod("p");
        pod.Spec.SchedulerName = "someone-else";
        s.Events.OnPodAdd(pod);

        Assert.Equal((0, 0, 0), s.Queue.Counts());
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ScheduleOne_SecondProfile_UsesItsPlugins()
    {
        var config = SchedulerConfiguration.Parse("""
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: no-taints
              plugins:
                filter:
                  disabled:
                  - name: TaintToleration
            """);
        var s = New(config);
        s.Events.OnNodeAdd(Make.Node("tainted", taints: [new V1Taint { Key = "k", Effect = "NoSchedule" }]));
        var pod = Make.Pod("p");
        pod.Spec.SchedulerName = "no-taints";
        s.Events.OnPodAdd(pod);

        await RunOnceAsync(s);

        Assert.Equal("tainted", _client.Bindings["p"]);
    }

    [Theory]
    [InlineData(50, 0, 50)]
    [InlineData(99, 0, 99)]
    [InlineData(100, 0, 100)]
    [InlineData(1000, 0, 420)]
    [InlineData(5000, 0, 500)]
    [InlineData(10000, 0, 500)]
    [InlineData(1000, 50, 500)]
    [InlineData(1000, 1, 100)]
    public void NumFeasibleNodesToFind_MatchesUpstream(int nodes, int percentage, int expected)
    {
        Assert.Equal(expected, NodeSelection.NumFeasibleNodesToFind(percentage, nodes));
    }
}
