using System.Text.Json.Nodes;
using Timonel.Controllers.Autoscaling;
using Xunit;

namespace Timonel.Controllers.Tests.Autoscaling;

public sealed class RestResourceMetricsClientTests
{
    // Two pods: web-0 reports both containers, web-1's sidecar has no cpu sample.
    private static JsonObject List() => JsonNode.Parse("""
        {"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[
          {"metadata":{"name":"web-0","namespace":"default"},"timestamp":"2026-01-01T12:00:00Z","window":"15s",
           "containers":[{"name":"app","usage":{"cpu":"250m","memory":"10Mi"}},{"name":"sidecar","usage":{"cpu":"50m","memory":"1Mi"}}]},
          {"metadata":{"name":"web-1","namespace":"default"},"timestamp":"2026-01-01T12:00:05Z","window":"15s",
           "containers":[{"name":"app","usage":{"cpu":"1","memory":"10Mi"}},{"name":"sidecar","usage":{"memory":"1Mi"}}]}
        ]}
        """)!.AsObject();

    [Fact]
    public void FromList_WholePods_SumsContainersAndLeavesOutPodsMissingASample()
    {
        var (metrics, timestamp) = RestResourceMetricsClient.FromList(List(), "cpu", "default", null);

        var web0 = Assert.Single(metrics).Value;
        Assert.Equal((300L, TimeSpan.FromSeconds(15)), (web0.Value, web0.Window));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero), timestamp);
    }

    [Fact]
    public void FromList_Container_ReadsOnlyThatContainer()
    {
        var (metrics, _) = RestResourceMetricsClient.FromList(List(), "cpu", "default", "app");

        Assert.Equal((250L, 1000L), (metrics["web-0"].Value, metrics["web-1"].Value));
    }

    [Fact]
    public void FromList_ContainerWithoutTheResource_SaysWhichPod()
    {
        var e = Assert.Throws<ResourceMetricsException>(() => RestResourceMetricsClient.FromList(List(), "cpu", "default", "sidecar"));

        Assert.Equal("failed to get container metrics: missing resource metric cpu for container sidecar in pod default/web-1", e.Message);
    }

    [Fact]
    public void FromList_Memory_InThousandthsOfBytes()
    {
        var (metrics, _) = RestResourceMetricsClient.FromList(List(), "memory", "default", null);

        Assert.Equal(11L * 1024 * 1024 * 1000, metrics["web-0"].Value);
    }

    [Fact]
    public void FromList_NoItems_SaysSo()
    {
        var e = Assert.Throws<ResourceMetricsException>(() => RestResourceMetricsClient.FromList(new JsonObject { ["items"] = new JsonArray() }, "cpu", "default", null));

        Assert.Equal("no metrics returned from resource metrics API", e.Message);
    }

    [Fact]
    public void Milli_CanonicalDecimalForm()
    {
        Assert.Equal(("250m", "1", "2k"), (MetricProposals.Milli(250).ToString(), MetricProposals.Milli(1000).ToString(), MetricProposals.Milli(2_000_000).ToString()));
    }
}
