using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>The real pod managers on an in-memory runtime against an in-process API server: no root, no containerd.</summary>
public sealed class HollowKubeletTests : IAsyncLifetime
{
    private const string NodeName = "hollow-1";
    private TestCluster _cluster = null!;
    private HollowKubelet _kubelet = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync();
        _kubelet = await HollowKubelet.StartAsync(_cluster.NewClient(), NodeName, IPAddress.Parse("10.77.0.9"), Directory.CreateTempSubdirectory("timonel-hollow-").FullName, NullLoggerFactory.Instance);
    }

    public async Task DisposeAsync()
    {
        await _kubelet.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Pod_BoundToHollowNode_RunsThenRestartsThenIsDeleted()
    {
        var ns = await _cluster.CreateNamespaceAsync("hollow");
        var pod = await _cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns },
            Spec = new V1PodSpec
            {
                NodeName = NodeName,
                AutomountServiceAccountToken = false,
                TerminationGracePeriodSeconds = 1,
                Containers = [new V1Container { Name = "app", Image = "docker.io/library/busybox:1.36" }],
            },
        }, ns);

        var running = await WaitAsync(pod, p => p.Status?.Phase == "Running" && p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, "pod Running and Ready");
        Assert.Equal("10.88.0.1", running.Status.PodIP);
        Assert.Equal("10.77.0.9", running.Status.HostIP);

        _kubelet.Runtime.ExitContainer(_kubelet.Runtime.ContainersNamed("app")[^1].Id, 1);
        var restarted = await WaitAsync(pod, p => p.Status?.ContainerStatuses?[0] is { RestartCount: 1, State.Running: not null }, "container restarted once");
        Assert.Equal(1, restarted.Status.ContainerStatuses[0].LastState.Terminated?.ExitCode);

        await _cluster.Client.CoreV1.DeleteNamespacedPodAsync("web", ns);
        await Eventually.WaitAsync(async ct =>
        {
            try
            {
                await _cluster.Client.CoreV1.ReadNamespacedPodAsync("web", ns, cancellationToken: ct);
                return false;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(30), "pod deletion finished by the kubelet");
        Assert.Empty(await _kubelet.Runtime.ListContainersAsync(null, default));
        Assert.Empty(await _kubelet.Runtime.ListPodSandboxAsync(null, default));
    }

    private async Task<V1Pod> WaitAsync(V1Pod pod, Func<V1Pod, bool> condition, string what) =>
        await Eventually.WaitAsync(async ct =>
        {
            var current = await _cluster.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
            return condition(current) ? current : null;
        }, TimeSpan.FromSeconds(30), what);
}
