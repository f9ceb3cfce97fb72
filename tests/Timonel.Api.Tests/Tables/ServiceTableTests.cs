using Timonel.Registry.Resources;
using Timonel.Registry.Tables;
using Xunit;
using static Timonel.Api.Tests.Tables.TableTestData;

namespace Timonel.Api.Tests.Tables;

public class ServiceTableTests
{
    private static readonly ITableConvertor Services = TableConvertors.For(ResourceCatalog.Default.Find("", "v1", "services")!);

    [Fact]
    public void Cells_NodePort_ShowsNodePortsAndNoExternalIp()
    {
        var obj = Parse("""
            {"metadata":{"name":"web"},
             "spec":{"type":"NodePort","clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],"selector":{"app":"web"},
               "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":443,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}}
            """);

        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], Services.Columns.Select(c => c.Name));
        Assert.Equal<object?>(
            ["web", "NodePort", "10.43.0.10", "<none>", "80:30080/TCP,443/TCP,53/UDP", "<unknown>", "app=web"],
            Services.Cells(obj, Now));
    }

    [Theory]
    [InlineData("""{"type":"LoadBalancer","ports":[{"port":80}]}""", "{}", "<pending>")]
    [InlineData("""{"type":"LoadBalancer"}""", """{"loadBalancer":{"ingress":[{"ip":"192.0.2.9"},{"hostname":"lb.example"},{"ip":"192.0.2.1"}]}}""", "192.0.2.1,192.0.2.9,lb.example")]
    [InlineData("""{"type":"LoadBalancer","externalIPs":["198.51.100.1"]}""", """{"loadBalancer":{"ingress":[{"ip":"192.0.2.9"}]}}""", "192.0.2.9,198.51.100.1")]
    [InlineData("""{"type":"ClusterIP","externalIPs":["198.51.100.1","198.51.100.2"]}""", "{}", "198.51.100.1,198.51.100.2")]
    [InlineData("""{"type":"ExternalName","externalName":"db.example.com"}""", "{}", "db.example.com")]
    [InlineData("""{"type":"Weird"}""", "{}", "<unknown>")]
    public void Cells_ExternalIp_FollowsServiceType(string spec, string status, string expected)
    {
        var obj = Parse($$"""{"metadata":{"name":"s"},"spec":{{spec}},"status":{{status}}}""");

        Assert.Equal(expected, Cell(Services, obj, "External-IP"));
    }

    [Fact]
    public void Cells_HeadlessWithoutPortsOrSelector_ShowsNone()
    {
        var obj = Parse("""{"metadata":{"name":"h"},"spec":{"type":"ClusterIP","clusterIP":"None","clusterIPs":["None"]}}""");

        Assert.Equal<object?>(["h", "ClusterIP", "None", "<none>", "<none>", "<unknown>", "<none>"], Services.Cells(obj, Now));
    }
}
