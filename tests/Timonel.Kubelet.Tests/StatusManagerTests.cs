using k8s;
using k8s.Models;
using Timonel.Kubelet.Pods;
using Timonel.Testing;
using Xunit;

namespace Timonel.Kubelet.Tests;

public sealed class StatusManagerTests
{
    [Fact]
    public async Task SetPodStatus_ApiCopyMarkedNotReadyByOthers_PostsAgain()
    {
        var posts = 0;
        var manager = new StatusManager((_, _, _) =>
        {
            posts++;
            return Task.CompletedTask;
        });
        var wanted = Status("True");
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "u1" }, Status = Status("True") };

        Assert.True(await manager.SetPodStatusAsync(pod, wanted, CancellationToken.None));
        // Unchanged, and the API agrees: nothing to write (shows the check can answer no).
        Assert.False(await manager.SetPodStatusAsync(pod, Status("True"), CancellationToken.None));

        // The node lifecycle controller marked the pod not Ready while its node looked lost.
        pod.Status = Status("False");
        Assert.True(await manager.SetPodStatusAsync(pod, Status("True"), CancellationToken.None));
        Assert.Equal(2, posts);
    }

    [Fact]
    public async Task ForClient_ConditionAnotherWriterOwns_KeptWhileTheKubeletsChange()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.CreateNamespaceAsync("status");
        var pod = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        pod.Status = Status("False");
        pod.Status.Conditions.Add(new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "EvictionByEvictionAPI" });
        pod = await cluster.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "web", ns);
        var manager = StatusManager.ForClient(cluster.Client);

        Assert.True(await manager.SetPodStatusAsync(pod, Status("True"), CancellationToken.None));

        var stored = await cluster.Client.CoreV1.ReadNamespacedPodAsync("web", ns);
        Assert.Equal("True", stored.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal("EvictionByEvictionAPI", stored.Status.Conditions.Single(c => c.Type == "DisruptionTarget").Reason);
    }

    private static V1PodStatus Status(string ready) => new()
    {
        Phase = "Running",
        PodIP = "10.42.0.5",
        Conditions =
        [
            new V1PodCondition { Type = "Ready", Status = ready },
            new V1PodCondition { Type = "ContainersReady", Status = "True" },
        ],
    };
}
