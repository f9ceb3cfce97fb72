using k8s.Models;
using Timonel.Kubelet.Pods;
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
