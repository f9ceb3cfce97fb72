using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Autoscaler.NodeGroups;
using Timonel.Client.Informers;
using Timonel.Controllers;
using Timonel.Controllers.NodeIpam;
using Timonel.Scheduler;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Host;
using Timonel.Simulator;
using Timonel.Testing;
using Xunit;

namespace Timonel.Autoscaler.Tests;

/// <summary>
/// The autoscaler against an in-process cluster with the scheduler, the node simulator and node
/// IPAM running (real clocks), while the autoscaler's own clock is a fake the test moves: each
/// probe runs one loop and advances it by the scan interval or more.
/// </summary>
public sealed class ClusterAutoscalerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task RunOnce_TwoHundredPendingPods_AddsGroupNodesUpToMax_ThenDrainsAndRemovesThemWhenTheLoadGoes()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var stop = new CancellationTokenSource();
        var client = cluster.Client;
        var running = new List<Task>();
        await using var informers = new SharedInformerFactory(cluster.NewClient(), NullLoggerFactory.Instance);
        var context = new ControllerContext(cluster.NewClient(), informers, new ControllerEvents((_, _, _, _, _) => { }), NullLoggerFactory.Instance, TimeProvider.System, new ControllerManagerOptions());
        IController ipam = new NodeIpamController(context);
        running.Add(Task.Run(() => ipam.RunAsync(stop.Token)));
        informers.Start();
        var simulatorOptions = new NodeSimulatorOptions { LeaseRenewInterval = TimeSpan.FromSeconds(1), PodRelistInterval = TimeSpan.FromSeconds(1) };
        running.Add(Task.Run(() => new NodeSimulator(options: simulatorOptions).RunAsync(cluster.NewClient(), stop.Token)));
        var scheduler = new SchedulerHost(SchedulerConfiguration.Default, new SchedulerOptions { Parallelism = 2 });
        running.Add(Task.Run(() => scheduler.RunAsync(cluster.NewClient(), stop.Token)));

        // A 4-CPU node no group owns takes 8 of the 500m pods; the group may add 5 such nodes: 40 more.
        await client.CoreV1.CreateNodeAsync(new SimulatedNodeTemplate { Cpu = "4", Memory = "16Gi" }.Build("base"));
        var config = NodeGroupsConfig.Parse("nodeGroups: [{name: pool, minSize: 0, maxSize: 5, cpu: \"4\", memory: 16Gi}]");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var autoscalerClient = cluster.NewClient();
        await using var autoscaler = new ClusterAutoscaler(autoscalerClient, NodeGroupProviders.Create(config, autoscalerClient), new ClusterAutoscalerOptions(), time: time);
        var ns = await cluster.CreateNamespaceAsync("ca");
        for (var i = 0; i < 200; i++)
        {
            await client.CoreV1.CreateNamespacedPodAsync(LoadPod($"load-{i}"), ns);
        }

        // Scale-up: the group grows to its maximum, never past it, and 48 pods run.
        var maxSeen = 0;
        await Eventually.WaitAsync(
            async ct =>
            {
                await autoscaler.RunOnceAsync(ct);
                time.Advance(TimeSpan.FromSeconds(10));
                var poolNodes = await PoolNodesAsync(client, ct);
                maxSeen = Math.Max(maxSeen, poolNodes.Count);
                var pods = (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct)).Items;
                return poolNodes.Count == 5 && pods.Count(p => p.Status?.Phase == "Running") == 48;
            },
            Timeout,
            "5 pool nodes and 48 running pods");
        Assert.Equal(5, maxSeen);
        await autoscaler.RunOnceAsync(default);
        await autoscaler.FlushEventsAsync(default);
        var events = (await client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        Assert.Contains(events, e => e.Reason == "TriggeredScaleUp" && e.Message.Contains("pool", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Reason == "NotTriggerScaleUp" && e.Message.Contains("max node group size reached", StringComparison.Ordinal));
        var status = await client.CoreV1.ReadNamespacedConfigMapAsync("cluster-autoscaler-status", "kube-system");
        Assert.Contains("- name: pool", status.Data["status"]);
        Assert.Contains("cloudProviderTarget: 5", status.Data["status"]);

        // The load goes but for two pods on pool nodes, which must be drained (evicted) before their nodes go.
        var all = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        var kept = all.Where(p => p.Spec.NodeName?.StartsWith("pool-", StringComparison.Ordinal) == true).Take(2).Select(p => p.Metadata.Name).ToList();
        Assert.Equal(2, kept.Count);
        foreach (var pod in all.Where(p => !kept.Contains(p.Metadata.Name)))
        {
            await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, gracePeriodSeconds: 0);
        }

        var removedAt = new List<DateTimeOffset>();
        var start = time.GetUtcNow();
        await Eventually.WaitAsync(
            async ct =>
            {
                var result = await autoscaler.RunOnceAsync(ct);
                if (result.Removed.Count > 0)
                {
                    removedAt.Add(time.GetUtcNow());
                }

                time.Advance(TimeSpan.FromMinutes(1));
                return (await PoolNodesAsync(client, ct)).Count == 0;
            },
            Timeout,
            "every pool node removed");

        // Nothing went before the unneeded time (10 min) and the delay after the scale-up had passed.
        Assert.True(removedAt.Min() - start >= TimeSpan.FromMinutes(10), $"first removal {removedAt.Min() - start} after the load went");
        Assert.NotNull(await client.CoreV1.ReadNodeAsync("base"));
        var left = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.DoesNotContain(left, p => kept.Contains(p.Metadata.Name));
        await autoscaler.FlushEventsAsync(default);
        events = (await client.CoreV1.ListNamespacedEventAsync(ns)).Items;
        foreach (var name in kept)
        {
            Assert.Contains(events, e => e.Reason == "ScaleDown" && e.InvolvedObject.Name == name && e.Message == "deleting pod for node scale down");
        }

        var systemEvents = (await client.CoreV1.ListNamespacedEventAsync("kube-system")).Items;
        Assert.Contains(systemEvents, e => e.Reason == "ScaleDownEmpty");
        Assert.Contains(systemEvents, e => e.Reason == "ScaledUpGroup" && e.Message.Contains("(max: 5)", StringComparison.Ordinal));

        await stop.CancelAsync();
        foreach (var task in running)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    [Fact]
    public async Task RunOnce_GroupNodeRegisteredButNotReady_CountsAsUpcomingUntilItsStartupTimePasses()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client;
        var config = NodeGroupsConfig.Parse("nodeGroups: [{name: pool, minSize: 0, maxSize: 3, cpu: \"2\", memory: 4Gi}]");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var autoscaler = new ClusterAutoscaler(client, NodeGroupProviders.Create(config, client), new ClusterAutoscalerOptions(), time: time);

        // A machine of the group that joined a moment ago and is not Ready yet (the node controller taints it).
        var starting = new SimulatedNodeTemplate { Cpu = "2", Memory = "4Gi" }.Build("pool-abcde");
        starting.Metadata.Labels[NodeGroupLabels.Group] = "pool";
        starting.Spec.Taints = [new V1Taint { Key = "node.kubernetes.io/not-ready", Effect = "NoSchedule" }];
        starting = await client.CoreV1.CreateNodeAsync(starting);
        starting.Status.Conditions = [new V1NodeCondition { Type = "Ready", Status = "False", Reason = "KubeletNotReady" }];
        await client.CoreV1.ReplaceNodeStatusAsync(starting, "pool-abcde");

        var ns = await cluster.CreateNamespaceAsync("ca");
        var pod = await client.CoreV1.CreateNamespacedPodAsync(LoadPod("waits"), ns);
        pod.Status = new V1PodStatus { Phase = "Pending", Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable" }] };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "waits", ns);

        // The pod waits for that machine: no second one.
        var result = await autoscaler.RunOnceAsync(default);
        Assert.Null(result.ScaledUpGroup);

        // A node still not Ready past the startup time is no longer coming: the pod gets a new machine.
        time.Advance(TimeSpan.FromMinutes(16));
        result = await autoscaler.RunOnceAsync(default);
        Assert.Equal("pool", result.ScaledUpGroup);
        Assert.Equal(1, result.ScaledUpBy);
    }

    private static async Task<List<V1Node>> PoolNodesAsync(IKubernetes client, CancellationToken cancellationToken) =>
        [.. (await client.CoreV1.ListNodeAsync(labelSelector: $"{NodeGroupLabels.Group}=pool", cancellationToken: cancellationToken)).Items];

    private static V1Pod LoadPod(string name) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["app"] = "load" },
            // A controller reference marks the pods replicated (movable); no controller runs to recreate them.
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "load", Uid = "5b1c4f0e-0000-4000-8000-000000000001", Controller = true }],
        },
        Spec = new V1PodSpec
        {
            TerminationGracePeriodSeconds = 0,
            Containers = [new V1Container { Name = "app", Image = "busybox", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("64Mi") } } }],
        },
    };
}
