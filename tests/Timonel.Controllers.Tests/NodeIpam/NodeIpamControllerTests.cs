using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.NodeIpam;

public sealed class NodeIpamControllerTests
{
    private static V1Node Node(string name, string? podCidr = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { PodCIDR = podCidr, PodCIDRs = podCidr is null ? null : [podCidr] },
    };

    [Fact]
    public async Task NewNodes_GetDistinctSubnets_AvoidingOnesAlreadyTaken()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "nodeipam");
        await harness.Client.CoreV1.CreateNodeAsync(Node("has-one", "10.42.0.0/24"));
        await harness.Client.CoreV1.CreateNodeAsync(Node("a"));
        await harness.Client.CoreV1.CreateNodeAsync(Node("b"));

        var cidrs = await Eventually.WaitAsync(async ct =>
        {
            var a = await harness.Client.CoreV1.ReadNodeAsync("a", cancellationToken: ct);
            var b = await harness.Client.CoreV1.ReadNodeAsync("b", cancellationToken: ct);
            return a.Spec?.PodCIDR is { } ca && b.Spec?.PodCIDR is { } cb ? new[] { ca, cb } : null;
        }, TimeSpan.FromSeconds(10), "pod CIDRs on both nodes");

        Assert.NotEqual(cidrs[0], cidrs[1]);
        Assert.DoesNotContain("10.42.0.0/24", cidrs);
        Assert.All(cidrs, c => Assert.StartsWith("10.42.", c, StringComparison.Ordinal));
        var a = await harness.Client.CoreV1.ReadNodeAsync("a");
        Assert.Equal([cidrs[0]], a.Spec.PodCIDRs);
    }
}
