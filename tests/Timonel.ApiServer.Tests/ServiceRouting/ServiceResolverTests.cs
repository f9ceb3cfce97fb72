using System.Net;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Registry.Conversion;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.ServiceRouting;
using Xunit;

namespace Timonel.ApiServer.Tests.ServiceRouting;

/// <summary>
/// The one service-to-endpoint resolver, over objects held in memory: the errors it tells its
/// callers apart by, both endpoint sources, and the webhooks' rules (simulated nodes refused).
/// </summary>
public sealed class ServiceResolverTests
{
    private const string Ns = "ns";

    private readonly Dictionary<(string Plural, string? Ns, string Name), JsonObject> _objects = [];

    private Task<JsonObject?> GetAsync(string plural, string? ns, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue((plural, ns, name), out var found) ? (JsonObject?)found.DeepClone().AsObject() : null);

    private NodeReachability Nodes => new((name, ct) => GetAsync("nodes", null, name, ct));

    private ServiceResolver Resolver(EndpointCheck? check = null, bool externalName = false, IServiceEndpoints? endpoints = null) => new()
    {
        Services = (ns, name, ct) => GetAsync("services", ns, name, ct),
        Endpoints = endpoints ?? new EndpointsObjectSource((ns, name, ct) => GetAsync("endpoints", ns, name, ct)),
        Check = check ?? ((_, _) => ValueTask.FromResult(EndpointVerdict.Use)),
        FollowExternalName = externalName,
    };

    [Fact]
    public async Task ResolveAsync_MissingService_ServiceNotFound()
    {
        var resolved = await Resolver().ResolveAsync(Ns, "nope", ServicePortRef.ByNumber(443), default);

        Assert.Equal((null, ServiceResolutionError.ServiceNotFound), (resolved.Endpoint, resolved.Error));
    }

    [Fact]
    public async Task ResolveAsync_PortNumberNotDeclared_PortNotFound()
    {
        AddService("api", ("https", 443));
        AddEndpoints("api", ("https", 9443), [("10.0.0.1", null)]);

        var resolved = await Resolver().ResolveAsync(Ns, "api", ServicePortRef.ByNumber(80), default);

        Assert.Equal((null, ServiceResolutionError.PortNotFound), (resolved.Endpoint, resolved.Error));
    }

    [Fact]
    public async Task ResolveAsync_PortByNumber_EndpointPortCarryingThatPortsName()
    {
        AddService("api", ("metrics", 8080), ("https", 443));
        AddEndpoints("api", ("metrics", 18080), [("10.0.0.9", null)]);
        AddEndpoints("api", ("https", 9443), [("10.0.0.1", null)], append: true);

        var byNumber = await Resolver().ResolveAsync(Ns, "api", ServicePortRef.ByNumber(443), default);
        var byName = await Resolver().ResolveAsync(Ns, "api", ServicePortRef.ByName("metrics"), default);

        Assert.Equal(("10.0.0.1", 9443), (byNumber.Endpoint?.Address, byNumber.Endpoint?.Port));
        Assert.Equal(("10.0.0.9", 18080), (byName.Endpoint?.Address, byName.Endpoint?.Port));
    }

    [Fact]
    public async Task ResolveAsync_OnlyNotReadyAddresses_NoEndpoints()
    {
        AddService("api", ("https", 443));
        _objects[("endpoints", Ns, "api")] = Json("""
            {"subsets":[{"notReadyAddresses":[{"ip":"10.0.0.1"}],"ports":[{"name":"https","port":9443}]}]}
            """);

        var resolved = await Resolver().ResolveAsync(Ns, "api", ServicePortRef.ByNumber(443), default);

        Assert.Equal((null, ServiceResolutionError.NoEndpoints, 1), (resolved.Endpoint, resolved.Error, resolved.Groups));
    }

    [Fact]
    public async Task ResolveAsync_NoEndpointsObject_EndpointsNotFound()
    {
        AddService("api", ("https", 443));

        var resolved = await Resolver().ResolveAsync(Ns, "api", ServicePortRef.ByNumber(443), default);

        Assert.Equal(ServiceResolutionError.EndpointsNotFound, resolved.Error);
    }

    [Fact]
    public async Task ResolveAsync_EndpointSlices_ReadyEndpointOfTheServicesSliceOnly()
    {
        AddService("api", ("https", 443));
        var slices = new List<JsonObject>
        {
            Slice("other", "10.0.0.7", ready: true),
            Slice("api", "10.0.0.8", ready: false),
        };
        var source = new EndpointSliceSource((_, _) => Task.FromResult<IReadOnlyList<JsonObject>>(slices));

        var none = await Resolver(endpoints: source).ResolveAsync(Ns, "api", ServicePortRef.ByNumber(443), default);
        slices.Add(Slice("api", "10.0.0.9", ready: true));
        var found = await Resolver(endpoints: source).ResolveAsync(Ns, "api", ServicePortRef.ByNumber(443), default);

        Assert.Equal((ServiceResolutionError.NoEndpoints, 1), (none.Error, none.Groups));
        Assert.Equal(("10.0.0.9", 9443), (found.Endpoint?.Address, found.Endpoint?.Port));
    }

    [Fact]
    public async Task ResolveAsync_ExternalName_FollowedOnlyWhenTheCallerSaysSo()
    {
        _objects[("services", Ns, "ext")] = Json("""{"spec":{"type":"ExternalName","externalName":"api.example.test","ports":[{"name":"https","port":443}]}}""");

        var followed = await Resolver(externalName: true).ResolveAsync(Ns, "ext", ServicePortRef.ByNumber(443), default);
        var notFollowed = await Resolver().ResolveAsync(Ns, "ext", ServicePortRef.ByNumber(443), default);

        Assert.Equal(("api.example.test", 443), (followed.Endpoint?.Address, followed.Endpoint?.Port));
        Assert.Equal(ServiceResolutionError.EndpointsNotFound, notFollowed.Error);
    }

    [Fact]
    public async Task ResolveAsync_CheckRefusesAnEndpoint_NextOneChosenAndTheReasonKeptWhenNoneIs()
    {
        AddService("api", ("https", 443));
        AddEndpoints("api", ("https", 9443), [("10.0.0.1", null), ("10.0.0.2", null)]);
        EndpointCheck refuseFirst = (e, _) => ValueTask.FromResult(e.Address == "10.0.0.1" ? EndpointVerdict.Skip("first refused") : EndpointVerdict.Use);
        EndpointCheck refuseAll = (_, _) => ValueTask.FromResult(EndpointVerdict.Skip("all refused"));

        var second = await Resolver(refuseFirst).ResolveAsync(Ns, "api", ServicePortRef.ByNumber(443), default);
        var none = await Resolver(refuseAll).ResolveAsync(Ns, "api", ServicePortRef.ByNumber(443), default);

        Assert.Equal("10.0.0.2", second.Endpoint?.Address);
        Assert.Equal((null, ServiceResolutionError.NoEndpoints, "all refused"), (none.Endpoint, none.Error, none.Skipped));
    }

    [Fact]
    public async Task WebhookRules_EndpointOnSimulatedNode_RefusedWithUpstreamWordedError()
    {
        AddService("hook", ("https", 443));
        AddNode("sim", simulated: true);
        AddNode("real", simulated: false);
        var webhooks = new WebhookServiceResolver(WebhookServiceResolver.Rules(GetAsync, Nodes));

        // First seen to choose: an endpoint on a real node (and one naming no node) is dialled.
        AddEndpoints("hook", ("https", 9443), [("10.0.0.5", "sim"), ("10.0.0.6", "real")]);
        var chosen = await webhooks.ResolveAsync(Ns, "hook", 443, default);
        AddEndpoints("hook", ("https", 9443), [("10.0.0.5", "sim"), ("10.0.0.7", null)]);
        var unnamed = await webhooks.ResolveAsync(Ns, "hook", 443, default);

        AddEndpoints("hook", ("https", 9443), [("10.0.0.5", "sim")]);
        var refused = await webhooks.ResolveAsync(Ns, "hook", 443, default);

        Assert.Equal((new IPEndPoint(IPAddress.Parse("10.0.0.6"), 9443), null), chosen);
        Assert.Equal((new IPEndPoint(IPAddress.Parse("10.0.0.7"), 9443), null), unnamed);
        Assert.Equal((null, "no endpoints available for service \"hook\": its endpoints are pods on simulated nodes, which cannot be reached"), refused);
    }

    [Fact]
    public async Task WebhookRules_BadInput_GoStyleErrors()
    {
        var webhooks = new WebhookServiceResolver(WebhookServiceResolver.Rules(GetAsync, Nodes));
        var missing = await webhooks.ResolveAsync(Ns, "hook", 443, default);
        AddService("hook", ("https", 443));
        var noPort = await webhooks.ResolveAsync(Ns, "hook", 8443, default);
        var noEndpointsObject = await webhooks.ResolveAsync(Ns, "hook", 443, default);
        AddEndpoints("hook", ("https", 9443), [("not-an-ip", null)]);
        var notAnIp = await webhooks.ResolveAsync(Ns, "hook", 443, default);

        Assert.Equal((null, "service \"hook\" not found"), missing);
        Assert.Equal((null, "no service port 8443 found for service \"hook\""), noPort);
        Assert.Equal((null, "no endpoints available for service \"hook\""), noEndpointsObject);
        Assert.Equal((null, "no endpoints available for service \"hook\""), notAnIp);
    }

    [Fact]
    public async Task NodeReachability_EachKindOfNode_Verdict()
    {
        AddNode("sim", simulated: true);
        AddNode("real", simulated: false);

        Assert.Equal(NodeVerdict.Unnamed, await Nodes.JudgeAsync(null, default));
        Assert.Equal(NodeVerdict.NotRegistered, await Nodes.JudgeAsync("gone", default));
        Assert.Equal(NodeVerdict.Simulated, await Nodes.JudgeAsync("sim", default));
        Assert.Equal(NodeVerdict.Reachable, await Nodes.JudgeAsync("real", default));
        Assert.Equal("its node \"sim\" is simulated (label timonel.dev/simulated=true): its addresses are made up and never dialled", await Nodes.WhyUnreachableAsync("sim", default));
        Assert.Null(await Nodes.WhyUnreachableAsync("real", default));
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private void AddService(string name, params (string Name, int Port)[] ports) =>
        _objects[("services", Ns, name)] = new JsonObject
        {
            ["spec"] = new JsonObject { ["ports"] = new JsonArray([.. ports.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["port"] = p.Port })]) },
        };

    private void AddEndpoints(string name, (string Name, int Port) port, (string Ip, string? Node)[] addresses, bool append = false)
    {
        var subset = new JsonObject
        {
            ["addresses"] = new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["ip"] = a.Ip, ["nodeName"] = a.Node })]),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = port.Name, ["port"] = port.Port }),
        };
        if (append && _objects.TryGetValue(("endpoints", Ns, name), out var existing))
        {
            existing["subsets"]!.AsArray().Add(subset);
            return;
        }

        _objects[("endpoints", Ns, name)] = new JsonObject { ["subsets"] = new JsonArray(subset) };
    }

    private void AddNode(string name, bool simulated) =>
        _objects[("nodes", null, name)] = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = simulated ? new JsonObject { ["timonel.dev/simulated"] = "true" } : new JsonObject() },
        };

    private static JsonObject Slice(string service, string address, bool ready) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service } },
        ["endpoints"] = new JsonArray(new JsonObject { ["addresses"] = new JsonArray(address), ["conditions"] = new JsonObject { ["ready"] = ready } }),
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 9443 }),
    };
}
