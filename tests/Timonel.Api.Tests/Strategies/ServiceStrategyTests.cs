using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using static Timonel.Api.Tests.Strategies.StrategyHarness;
using Xunit;
using Timonel.Registry.Strategies;

namespace Timonel.Api.Tests.Strategies;

public class ServiceStrategyTests
{
    private readonly ServiceStrategy _services = new();

    [Fact]
    public void Create_ClusterIPService_UpstreamDefaults()
    {
        var svc = Stored(_services, """{"metadata":{"name":"web","namespace":"default"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}""");
        var spec = svc["spec"]!;
        Assert.Equal("ClusterIP", (string?)spec["type"]);
        Assert.Equal("None", (string?)spec["sessionAffinity"]);
        Assert.Equal("TCP", (string?)spec["ports"]![0]!["protocol"]);
        Assert.Equal(80, (int?)spec["ports"]![0]!["targetPort"]);
        Assert.Equal("SingleStack", (string?)spec["ipFamilyPolicy"]);
        Assert.Equal("IPv4", (string?)spec["ipFamilies"]![0]);
        Assert.Equal("Cluster", (string?)spec["internalTrafficPolicy"]);
        Assert.Null(spec["externalTrafficPolicy"]);
    }

    [Fact]
    public void Create_NodePortWithAllocatedValues_Accepted()
    {
        var svc = Stored(_services, """{"metadata":{"name":"web","namespace":"default"},"spec":{"type":"NodePort","clusterIP":"10.43.0.15","clusterIPs":["10.43.0.15"],"ports":[{"port":80,"targetPort":"http","nodePort":30080}]}}""");
        Assert.Equal("Cluster", (string?)svc["spec"]!["externalTrafficPolicy"]);
    }

    [Fact]
    public void Validate_BadPortsAndValues_AllReported()
    {
        var (_, errors) = Create(_services, """
            {"metadata":{"name":"1web","namespace":"default"},
             "spec":{"type":"Fancy","clusterIP":"10.0.0.300","sessionAffinity":"Sticky",
               "ports":[{"port":0,"protocol":"HTTP"},{"name":"a","port":81,"nodePort":31000},{"name":"a","port":82}]}}
            """);
        HasError(errors, FieldErrorType.Invalid, "metadata.name", "DNS-1035 label");
        HasError(errors, FieldErrorType.NotSupported, "spec.type");
        HasError(errors, FieldErrorType.Invalid, "spec.clusterIP", "must be a valid IP address");
        HasError(errors, FieldErrorType.NotSupported, "spec.sessionAffinity");
        HasError(errors, FieldErrorType.Required, "spec.ports[0].name");
        HasError(errors, FieldErrorType.Invalid, "spec.ports[0].port", "must be between 1 and 65535");
        HasError(errors, FieldErrorType.NotSupported, "spec.ports[0].protocol");
        HasError(errors, FieldErrorType.Forbidden, "spec.ports[1].nodePort", "may not be used when `type` is 'Fancy'");
        HasError(errors, FieldErrorType.Duplicate, "spec.ports[2].name");
    }

    [Fact]
    public void Validate_NoPorts_RequiredUnlessHeadlessOrExternalName()
    {
        var (_, plain) = Create(_services, """{"metadata":{"name":"a","namespace":"default"},"spec":{}}""");
        HasError(plain, FieldErrorType.Required, "spec.ports");
        var (_, headless) = Create(_services, """{"metadata":{"name":"a","namespace":"default"},"spec":{"clusterIP":"None"}}""");
        Assert.Empty(headless);
        var (ext, external) = Create(_services, """{"metadata":{"name":"a","namespace":"default"},"spec":{"type":"ExternalName","externalName":"db.example.com"}}""");
        Assert.Empty(external);
        Assert.Null(ext["spec"]!["ipFamilies"]);
    }

    [Fact]
    public void Validate_NodePortOutOfRange_Invalid()
    {
        var (_, errors) = Create(_services, """{"metadata":{"name":"a","namespace":"default"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":80}]}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.ports[0].nodePort", "30000-32767");
    }

    [Fact]
    public void Validate_ExternalTrafficPolicyOnClusterIP_Invalid()
    {
        var (_, errors) = Create(_services, """{"metadata":{"name":"a","namespace":"default"},"spec":{"externalTrafficPolicy":"Local","ports":[{"port":80}]}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.externalTrafficPolicy", "may only be set when `type` is 'NodePort' or 'LoadBalancer'");
    }

    [Fact]
    public void Update_ClusterIPChanged_Immutable()
    {
        var old = Stored(_services, """{"metadata":{"name":"a","namespace":"default"},"spec":{"clusterIP":"10.43.0.10","ports":[{"port":80}]}}""");
        var (_, errors) = Update(_services, old, s => s["spec"]!["clusterIP"] = "10.43.0.11");
        HasError(errors, FieldErrorType.Invalid, "spec.clusterIP", "field is immutable");
    }

    [Fact]
    public void Update_OmittedAllocatedValues_Kept()
    {
        var old = Stored(_services, """{"metadata":{"name":"a","namespace":"default"},"spec":{"type":"NodePort","clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],"ports":[{"port":80,"nodePort":30001}]}}""");
        var (svc, errors) = Update(_services, old, s =>
        {
            var spec = s["spec"]!.AsObject();
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
            spec["ports"] = JsonNode.Parse("""[{"port":80}]""");
        });
        Assert.Empty(errors);
        Assert.Equal("10.43.0.10", (string?)svc["spec"]!["clusterIP"]);
        Assert.Equal(30001, (int?)svc["spec"]!["ports"]![0]!["nodePort"]);
    }
}
