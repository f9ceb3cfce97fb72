using System.Text.Json.Nodes;
using Timonel.ApiServer.Metrics.History;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics.History;

public sealed class WorkloadResolverTests
{
    private static JsonObject Obj(string name, string? ownerKind = null, string? ownerName = null, bool controller = true)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "ns" };
        if (ownerKind is not null)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = ownerKind, ["name"] = ownerName, ["uid"] = "u", ["controller"] = controller });
        }

        return new JsonObject { ["metadata"] = metadata };
    }

    private static readonly Dictionary<(string, string, string), JsonObject> Owners = new()
    {
        [("ns", "ReplicaSet", "web-1")] = Obj("web-1", "Deployment", "web"),
        [("ns", "ReplicaSet", "bare")] = Obj("bare"),
        [("ns", "Job", "nightly-1")] = Obj("nightly-1", "CronJob", "nightly"),
        [("ns", "Job", "once")] = Obj("once"),
    };

    [Theory]
    [InlineData("ReplicaSet", "web-1", "Deployment", "web")]
    [InlineData("ReplicaSet", "bare", "ReplicaSet", "bare")]
    [InlineData("ReplicaSet", "missing", "ReplicaSet", "missing")]
    [InlineData("Job", "nightly-1", "CronJob", "nightly")]
    [InlineData("Job", "once", "Job", "once")]
    [InlineData("StatefulSet", "db", "StatefulSet", "db")]
    [InlineData("DaemonSet", "agent", "DaemonSet", "agent")]
    [InlineData("Node", "n1", "Pod", "p")]
    public void Resolve_ControllerChain_GivesTheTopWorkload(string ownerKind, string ownerName, string kind, string name) =>
        Assert.Equal(new WorkloadRef("ns", kind, name), WorkloadResolver.Resolve(Obj("p", ownerKind, ownerName), Owners));

    [Fact]
    public void Resolve_NoControllerReference_IsThePodItself()
    {
        Assert.Equal(new WorkloadRef("ns", "Pod", "p"), WorkloadResolver.Resolve(Obj("p"), Owners));
        Assert.Equal(new WorkloadRef("ns", "Pod", "p"), WorkloadResolver.Resolve(Obj("p", "ReplicaSet", "web-1", controller: false), Owners));
    }
}
