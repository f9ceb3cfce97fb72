using k8s;
using k8s.Models;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Host;
using Timonel.Testing;
using Xunit;

namespace Timonel.Scheduler.Tests.Host;

/// <summary>The scheduler against a real in-process API server: informers in, bindings, status and events out.</summary>
public sealed class SchedulerHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private TestCluster _cluster = null!;
    private CancellationTokenSource _stop = null!;
    private Task _run = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync();
        _stop = new CancellationTokenSource();
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        await _cluster.DisposeAsync();
    }

    private async Task CreateNodeAsync(string name, string cpu)
    {
        var node = Make.Node(name, cpu: cpu);
        var status = node.Status;
        node.Status = null;
        await _cluster.Client.CoreV1.CreateNodeAsync(node);
        var patch = new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch);
        await _cluster.Client.CoreV1.PatchNodeStatusAsync(patch, name);
    }

    private async Task StartSchedulerAsync()
    {
        var host = new SchedulerHost(SchedulerConfiguration.Default, new SchedulerOptions { Parallelism = 2 });
        _run = Task.Run(() => host.RunAsync(_cluster.NewClient(), _stop.Token));
        await host.Started.WaitAsync(Timeout);
    }

    [Fact]
    public async Task RunAsync_PendingPod_BoundThroughApi()
    {
        var ns = await _cluster.CreateNamespaceAsync("sched");
        await CreateNodeAsync("small", "1");
        await CreateNodeAsync("big", "8");
        await StartSchedulerAsync();

        var pod = Make.Pod("web", cpu: "2", ns: ns);
        pod.Metadata.Uid = null;
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        var node = await Eventually.WaitAsync(
            async ct => (await _cluster.Client.CoreV1.ReadNamespacedPodAsync("web", ns, cancellationToken: ct)).Spec.NodeName,
            Timeout,
            "the pod to be bound");
        Assert.Equal("big", node);
    }

    [Fact]
    public async Task RunAsync_PodThatFitsNowhere_GetsUnschedulableConditionAndEvent()
    {
        var ns = await _cluster.CreateNamespaceAsync("sched");
        await CreateNodeAsync("small", "1");
        await StartSchedulerAsync();

        var pod = Make.Pod("huge", cpu: "4", ns: ns);
        pod.Metadata.Uid = null;
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        var condition = await Eventually.WaitAsync(
            async ct => (await _cluster.Client.CoreV1.ReadNamespacedPodAsync("huge", ns, cancellationToken: ct)).Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled"),
            Timeout,
            "the PodScheduled condition");
        Assert.Equal("False", condition.Status);
        Assert.Equal("Unschedulable", condition.Reason);
        Assert.Equal("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.", condition.Message);

        var warning = await Eventually.WaitAsync(
            async ct => (await _cluster.Client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: ct)).Items.FirstOrDefault(e => e.Reason == "FailedScheduling"),
            Timeout,
            "the FailedScheduling event");
        Assert.Equal("Warning", warning.Type);
        Assert.Equal(condition.Message, warning.Message);
    }
}
