using Timonel.Registry.Resources;
using Timonel.Registry.Tables;
using Xunit;
using static Timonel.Api.Tests.Tables.TableTestData;

namespace Timonel.Api.Tests.Tables;

public class NodeTableTests
{
    private static readonly ITableConvertor Nodes = TableConvertors.For(ResourceCatalog.Default.Find("", "v1", "nodes")!);

    [Fact]
    public void Cells_ReadyCordonedControlPlane_MatchesUpstream()
    {
        var obj = Parse($$$$"""
            {"metadata":{"name":"n1","creationTimestamp":"{{{{Ago(TimeSpan.FromDays(3))}}}}",
               "labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/etcd":"true","kubernetes.io/role":"master","kubernetes.io/hostname":"n1"}},
             "spec":{"unschedulable":true},
             "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
               "addresses":[{"type":"Hostname","address":"n1"},{"type":"InternalIP","address":"10.0.0.5"}],
               "nodeInfo":{"kubeletVersion":"v1.33.0-timonel","osImage":"Debian GNU/Linux 13","kernelVersion":"6.12.0","containerRuntimeVersion":"containerd://2.1.0"}}}
            """);

        Assert.Equal(
            ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
            Nodes.Columns.Select(c => c.Name));
        Assert.Equal<object?>(
            ["n1", "Ready,SchedulingDisabled", "control-plane,etcd,master", "3d", "v1.33.0-timonel", "10.0.0.5", "<none>", "Debian GNU/Linux 13", "6.12.0", "containerd://2.1.0"],
            Nodes.Cells(obj, Now));
    }

    [Theory]
    [InlineData("""{"conditions":[{"type":"Ready","status":"False"}]}""", "NotReady")]
    [InlineData("""{"conditions":[{"type":"Ready","status":"Unknown"}]}""", "NotReady")]
    [InlineData("""{"conditions":[{"type":"DiskPressure","status":"True"}]}""", "Unknown")]
    [InlineData("{}", "Unknown")]
    public void Cells_Status_FollowsReadyCondition(string status, string expected)
    {
        var obj = Parse($$"""{"metadata":{"name":"n"},"status":{{status}}}""");

        Assert.Equal(expected, Cell(Nodes, obj, "Status"));
    }

    [Fact]
    public void Cells_NoLabelsOrInfo_ShowsNoneAndUnknown()
    {
        var cells = Nodes.Cells(Parse("""{"metadata":{"name":"bare"}}"""), Now);

        Assert.Equal<object?>(["bare", "Unknown", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"], cells);
    }
}
