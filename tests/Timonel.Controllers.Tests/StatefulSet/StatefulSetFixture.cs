using k8s;
using k8s.Models;
using Xunit;

namespace Timonel.Controllers.Tests.StatefulSet;

/// <summary>One API server with the statefulset controller for a test class; every test uses its own namespace.</summary>
public sealed class StatefulSetFixture : IAsyncLifetime
{
    private ControllerHarness? _harness;

    public ControllerHarness Harness => _harness ?? throw new InvalidOperationException("fixture not started");

    public IKubernetes Client => Harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "statefulset", "pvc-protection");

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    /// <summary>
    /// A set "web" of busybox pods. <paramref name="nodeName"/> binds its pods, so their deletion is
    /// graceful and a test sees each terminating pod before it completes the deletion.
    /// </summary>
    public static V1StatefulSet NewSet(string name, int replicas, string policy = "OrderedReady", string? nodeName = "node-a") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = name + "-svc",
            PodManagementPolicy = policy,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    NodeName = nodeName,
                    Containers = [new V1Container { Name = "main", Image = "busybox:1" }],
                },
            },
        },
    };
}
