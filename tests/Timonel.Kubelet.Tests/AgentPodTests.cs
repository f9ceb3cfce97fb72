using k8s;
using k8s.Models;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests;

/// <summary>Real pods through containerd, with the node's network inside a test network namespace.</summary>
public sealed class AgentPodTests : IClassFixture<AgentFixture>
{
    private readonly AgentFixture _f;

    public AgentPodTests(AgentFixture fixture)
    {
        _f = fixture;
    }

    [RootFact]
    public async Task Pod_BusyboxHttpd_RunsWithPodIpAndAnswersHttp()
    {
        var pod = await _f.CreatePodAsync(Pod("web", Container("httpd", "mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www")));
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running" && IsReady(p), "pod Running and Ready");

        Assert.StartsWith(_f.Agent.PodCidr[..^4], pod.Status.PodIP, StringComparison.Ordinal);
        Assert.Equal(pod.Status.PodIP, Assert.Single(pod.Status.PodIPs).Ip);
        Assert.Equal("10.77.0.1", pod.Status.HostIP);
        Assert.NotNull(pod.Status.StartTime);
        var status = Assert.Single(pod.Status.ContainerStatuses);
        Assert.NotNull(status.State.Running);
        Assert.StartsWith("containerd://", status.ContainerID, StringComparison.Ordinal);
        Assert.Equal("BestEffort", pod.Status.QosClass);
        using var http = _f.Network.CreateHttpClient(TimeSpan.FromSeconds(5));
        var body = await Eventually.WaitAsync(async ct =>
        {
            try
            {
                return await http.GetStringAsync(new Uri($"http://{pod.Status.PodIP}:8080/"), ct);
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, TimeSpan.FromSeconds(10), "httpd answers");
        Assert.Equal("hello-from-pod\n", body);
    }

    [RootFact]
    public async Task Pod_Deleted_ContainersRemovedFromRuntime()
    {
        var pod = await _f.CreatePodAsync(Pod("gone", Container("sleeper", "exec sleep 1000")));
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running");
        Assert.NotEmpty(await ContainersOfAsync(pod.Metadata.Uid));

        await _f.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, new V1DeleteOptions { GracePeriodSeconds = 1 });

        await Eventually.WaitAsync(async _ => (await ContainersOfAsync(pod.Metadata.Uid)).Count == 0, TimeSpan.FromSeconds(30), "containers removed");
        await Eventually.WaitAsync(async ct => (await _f.Client.CoreV1.ListNamespacedPodAsync(pod.Metadata.NamespaceProperty, cancellationToken: ct)).Items.Count == 0, TimeSpan.FromSeconds(30), "pod object gone");
    }

    private async Task<List<Container>> ContainersOfAsync(string uid)
    {
        var filter = new ContainerFilter();
        filter.LabelSelector[CriLabels.PodUid] = uid;
        return [.. (await _f.Agent.Cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = filter })).Containers];
    }

    internal static bool IsReady(V1Pod pod) => pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    internal static V1Pod Pod(string name, params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec { Containers = containers, TerminationGracePeriodSeconds = 2 },
    };

    internal static V1Container Container(string name, string script) => new()
    {
        Name = name,
        Image = AgentFixture.BusyboxImage,
        ImagePullPolicy = "IfNotPresent",
        Command = ["sh", "-c", script],
    };
}
