using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// networking.k8s.io/v1 ServiceCIDR and IPAddress on the default range (10.43.0.0/16): the default
/// ServiceCIDR, one IPAddress per ClusterIP, what is refused.
/// </summary>
public sealed class ServiceCidrTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Cidrs = "/apis/networking.k8s.io/v1/servicecidrs";
    private const string Addresses = "/apis/networking.k8s.io/v1/ipaddresses";

    private static string Services(string ns) => $"/api/v1/namespaces/{ns}/services";

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("svccidr-home-").FullName);

    private static string[] Columns(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static JsonObject IpAddress(string name, JsonObject? parentRef) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "IPAddress",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = parentRef is null ? new JsonObject() : new JsonObject { ["parentRef"] = parentRef },
    };

    private static JsonObject ServiceRef(string ns, string name) => new() { ["group"] = "", ["resource"] = "services", ["namespace"] = ns, ["name"] = name };

    private static JsonObject ServiceCidr(string name, params string[] cidrs) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "ServiceCIDR",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["cidrs"] = new JsonArray([.. cidrs.Select(c => (JsonNode)c)]) },
    };

    [Fact]
    public async Task KubectlGetServiceCidrs_DefaultRange_ListedAndReady()
    {
        var run = await Kubectl().RunAsync("get", "servicecidrs");
        var cidr = await fx.Client.GetAsync($"{Cidrs}/kubernetes");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "CIDRS", "AGE"], Columns(lines[0]));
        Assert.Equal(["kubernetes", "10.43.0.0/16"], Columns(lines.Single(l => l.StartsWith("kubernetes ", StringComparison.Ordinal)))[..2]);
        var ready = cidr.Object["status"]!["conditions"]!.AsArray().Single(c => ApiResponse.Str(c!["type"]) == "Ready")!;
        Assert.Equal("True", ApiResponse.Str(ready["status"]));
    }

    [Fact]
    public async Task CreateService_MakesIpAddressWithParentRef_DeleteServiceRemovesIt()
    {
        var ns = await fx.NamespaceAsync("ipa");
        var created = await fx.Client.PostAsync(Services(ns), TestObjects.Service("web"));
        var ip = ApiResponse.Str(created.Object["spec"]!["clusterIP"])!;

        var address = await fx.Client.GetAsync($"{Addresses}/{ip}");
        var listed = await Kubectl().RunAsync("get", "ipaddresses", ip);
        Assert.Equal(200, (await fx.Client.DeleteAsync($"{Services(ns)}/web")).Code);
        var afterDelete = await fx.Client.GetAsync($"{Addresses}/{ip}");

        Assert.Equal(200, address.Code);
        Assert.Equal($$"""{"group":"","name":"web","namespace":"{{ns}}","resource":"services"}""", Sorted(address.Object["spec"]!["parentRef"]!));
        var labels = address.Object["metadata"]!["labels"]!;
        Assert.Equal(("IPv4", "ipallocator.k8s.io"), (ApiResponse.Str(labels["ipaddress.kubernetes.io/ip-family"]), ApiResponse.Str(labels["ipaddress.kubernetes.io/managed-by"])));
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var lines = listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "PARENTREF"], Columns(lines[0]));
        Assert.Equal([ip, $"services/{ns}/web"], Columns(lines[1]));
        Assert.Equal(404, afterDelete.Code);
    }

    [Fact]
    public async Task Get_KubernetesServiceAddress_IsAnIpAddress()
    {
        var address = await fx.Client.GetAsync($"{Addresses}/10.43.0.1");

        Assert.Equal(200, address.Code);
        Assert.Equal(("default", "kubernetes"), (ApiResponse.Str(address.Object["spec"]!["parentRef"]!["namespace"]), ApiResponse.Str(address.Object["spec"]!["parentRef"]!["name"])));
    }

    [Fact]
    public async Task CreateService_ClusterIpOutsideEveryServiceCidr_Is422AndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("outside");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Services(ns), TestObjects.Service("far", clusterIp: "10.98.0.5")));

        ApiAssert.Failure(response, 422, "Invalid", "spec.clusterIPs", "failed to allocate IP 10.98.0.5: the provided network does not match the current range");
        Assert.Equal(404, (await fx.Client.GetAsync($"{Services(ns)}/far")).Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{Addresses}/10.98.0.5")).Code);
    }

    [Fact]
    public async Task CreateService_IpHeldByHandMadeIpAddress_Is422AlreadyAllocated()
    {
        var ns = await fx.NamespaceAsync("handmade");
        // The same address is free before the IPAddress exists: the refusal below is the IPAddress's doing.
        var probe = await fx.Client.PostAsync($"{Services(ns)}?dryRun=All", TestObjects.Service("probe", clusterIp: "10.43.201.5"));
        Assert.Equal(201, probe.Code);
        Assert.Equal(201, (await fx.Client.PostAsync(Addresses, IpAddress("10.43.201.5", new JsonObject { ["group"] = "gateway.example.com", ["resource"] = "gateways", ["namespace"] = ns, ["name"] = "gw" }))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Services(ns), TestObjects.Service("svc", clusterIp: "10.43.201.5")));

        ApiAssert.Failure(response, 422, "Invalid", "failed to allocate IP 10.43.201.5: provided IP is already allocated");
        Assert.Equal(404, (await fx.Client.GetAsync($"{Services(ns)}/svc")).Code);
    }

    [Theory]
    [InlineData("""{"spec":{"cidrs":["10.80.0.0/24","10.81.0.0/24"]}}""", "spec.cidrs: Invalid value", "may specify no more than one IP for each IP family")]
    [InlineData("""{"spec":{"cidrs":["10.80.0.0/24","fd00::/64","10.82.0.0/24"]}}""", "spec.cidrs: Invalid value", "may only hold up to 2 values")]
    [InlineData("""{"spec":{"cidrs":[]}}""", "spec.cidrs: Required value", "at least one CIDR required")]
    [InlineData("""{"spec":{"cidrs":["10.80.0.0/40"]}}""", "spec.cidrs[0]: Invalid value: \"10.80.0.0/40\"", "must be a valid CIDR value")]
    public async Task CreateServiceCidr_Invalid_Is422AndNothingWritten(string body, string field, string message)
    {
        var obj = JsonNode.Parse(body)!.AsObject();
        obj["metadata"] = new JsonObject { ["name"] = "bad" };

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Cidrs, obj));

        ApiAssert.Failure(response, 422, "Invalid", field, message);
        Assert.Equal(404, (await fx.Client.GetAsync($"{Cidrs}/bad")).Code);
    }

    [Fact]
    public async Task UpdateServiceCidr_ChangedCidr_Is422ButAddingOtherFamilyIsAllowed()
    {
        var created = await fx.Client.PostAsync(Cidrs, ServiceCidr("fixed", "10.90.0.0/24"));
        Assert.Equal(201, created.Code);

        var changed = created.Object.DeepClone().AsObject();
        changed["spec"]!["cidrs"] = new JsonArray("10.91.0.0/24");
        var refused = await fx.Client.PutAsync($"{Cidrs}/fixed", changed);
        var dual = created.Object.DeepClone().AsObject();
        dual["spec"]!["cidrs"] = new JsonArray("10.90.0.0/24", "fd00:10:90::/112");
        var widened = await fx.Client.PutAsync($"{Cidrs}/fixed", dual);

        ApiAssert.Failure(refused, 422, "Invalid", "spec.cidrs[0]: Invalid value: \"10.91.0.0/24\": field is immutable");
        Assert.Equal(200, widened.Code);
        Assert.Equal(2, widened.Object["spec"]!["cidrs"]!.AsArray().Count);
    }

    [Fact]
    public async Task CreateIpAddress_BadNameOrNoParentRef_Is422AndNothingWritten()
    {
        var badName = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Addresses, IpAddress("10.43.01.5", ServiceRef("default", "x"))));
        var noParent = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Addresses, IpAddress("10.43.202.5", null)));
        var noName = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Addresses, IpAddress("10.43.202.6", new JsonObject { ["resource"] = "services" })));

        ApiAssert.Failure(badName, 422, "Invalid", "metadata.name", "must be a canonical format IP address");
        ApiAssert.Failure(noParent, 422, "Invalid", "spec.parentRef: Required value");
        ApiAssert.Failure(noName, 422, "Invalid", "spec.parentRef.name: Required value");
        Assert.Equal(404, (await fx.Client.GetAsync($"{Addresses}/10.43.202.5")).Code);
    }

    [Fact]
    public async Task UpdateIpAddress_ChangedParentRef_Is422()
    {
        var created = await fx.Client.PostAsync(Addresses, IpAddress("10.43.203.5", ServiceRef("default", "one")));
        Assert.Equal(201, created.Code);
        var labelled = created.Object.DeepClone().AsObject();
        labelled["metadata"]!["labels"] = new JsonObject { ["team"] = "a" };
        Assert.Equal(200, (await fx.Client.PutAsync($"{Addresses}/10.43.203.5", labelled)).Code);

        var moved = (await fx.Client.GetAsync($"{Addresses}/10.43.203.5")).Object;
        moved["spec"]!["parentRef"]!["name"] = "two";
        var response = await fx.Client.PutAsync($"{Addresses}/10.43.203.5", moved);

        ApiAssert.Failure(response, 422, "Invalid", "spec.parentRef: Invalid value", "field is immutable");
        Assert.Equal("one", ApiResponse.Str((await fx.Client.GetAsync($"{Addresses}/10.43.203.5")).Object["spec"]!["parentRef"]!["name"]));
    }

    private static string Sorted(JsonNode node) =>
        new JsonObject(node.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString();
}
