using k8s;
using k8s.Models;
using Timonel.Controllers.Ttl;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Ttl;

public sealed class TtlControllerTests : IAsyncLifetime
{
    private const string Annotation = "node.alpha.kubernetes.io/ttl";
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "ttl");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Task<V1Node> WaitTtlAsync(string name, string value) =>
        Eventually.WaitAsync(
            async ct => await Client.CoreV1.ReadNodeAsync(name, cancellationToken: ct) is { } n && n.Metadata.Annotations?.TryGetValue(Annotation, out var v) == true && v == value ? n : null,
            TimeSpan.FromSeconds(30), $"node {name} with ttl {value}");

    [Fact]
    public async Task SmallCluster_NodesGetZero_WrongValueCorrected()
    {
        await Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } });
        await Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n2", Annotations = new Dictionary<string, string> { [Annotation] = "300" } } });

        await WaitTtlAsync("n1", "0");
        await WaitTtlAsync("n2", "0");

        var body = new V1Node { Metadata = new V1ObjectMeta { Annotations = new Dictionary<string, string> { [Annotation] = "15" } } };
        var patch = new V1Patch(KubernetesJson.Serialize(body), V1Patch.PatchType.MergePatch);
        await Client.CoreV1.PatchNodeAsync(patch, "n1");

        var node = await WaitTtlAsync("n1", "0");
        Assert.Equal("0", node.Metadata.Annotations[Annotation]);
    }

    [Theory]
    [InlineData(0, 100, 0)]
    [InlineData(0, 101, 1)]
    [InlineData(1, 95, 1)]
    [InlineData(1, 89, 0)]
    [InlineData(0, 2500, 4)]
    [InlineData(4, 1850, 4)]
    [InlineData(4, 1799, 3)]
    [InlineData(4, 10, 0)]
    public void NextStep_ClusterSize_MovesWithHysteresis(int step, int nodes, int expected) =>
        Assert.Equal(expected, TtlController.NextStep(step, nodes));

    [Fact]
    public void TtlSecondsOf_EachStep_UpstreamValues() =>
        Assert.Equal([0, 15, 30, 60, 300], Enumerable.Range(0, 5).Select(TtlController.TtlSecondsOf));
}
