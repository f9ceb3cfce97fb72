using k8s.Models;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Gateway.Routing;
using static Timonel.Ingress.Tests.Gateway.GatewayObjects;
using static Timonel.Ingress.Tests.Objects;

namespace Timonel.Ingress.Tests.Gateway;

public sealed class GatewayBuilderTests
{
    private static readonly IReadOnlyList<string> Addresses = ["10.1.0.1"];

    private static readonly ListClusterView Cluster = new(
        [Service("a"), Service("b"), Service("c"), Service("x", "other")],
        [Slice("a", 8080, null, "default", ("10.0.0.1", true)), Slice("b", 8080, null, "default", ("10.0.0.2", true)), Slice("c", 8080, null, "default", ("10.0.0.3", true)), Slice("x", 8080, null, "other", ("10.0.0.9", true))]);

    private static GatewayBuild Build(GatewayInputs inputs) => GatewayBuilder.Build(inputs, Cluster, Ports, Addresses);

    private static string? Target(GatewayBuild build, Microsoft.AspNetCore.Http.HttpRequest request) =>
        build.Table.Match(request)?.Backends.Backends[0].Backend.Service;

    private static string To(string service, int weight = 1) => $$$"""{"name":"{{{service}}}","port":80,"weight":{{{weight}}}}""";

    [Fact]
    public void Build_MatchesOfTwoRoutes_UpstreamPrecedence()
    {
        // Exact path > longer prefix > method > more headers > more query params > older route.
        var older = Route("older", "default", $$$"""
            {"parentRefs":[{"name":"gw"}],"rules":[
              {"matches":[{"path":{"type":"PathPrefix","value":"/"}}],"backendRefs":[{{{To("a")}}}]},
              {"matches":[{"path":{"type":"PathPrefix","value":"/api"},"headers":[{"name":"x-env","value":"canary"}]}],"backendRefs":[{{{To("b")}}}]}
            ]}
            """, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var newer = Route("newer", "default", $$$"""
            {"parentRefs":[{"name":"gw"}],"rules":[
              {"matches":[{"path":{"type":"Exact","value":"/api/exact"}}],"backendRefs":[{{{To("c")}}}]},
              {"matches":[{"path":{"type":"PathPrefix","value":"/api"},"method":"POST"}],"backendRefs":[{{{To("c")}}}]},
              {"matches":[{"path":{"type":"PathPrefix","value":"/api"},"headers":[{"name":"x-env","value":"canary"}]}],"backendRefs":[{{{To("a")}}}]},
              {"matches":[{"path":{"type":"PathPrefix","value":"/api"},"queryParams":[{"name":"v","value":"2"}]}],"backendRefs":[{{{To("c")}}}]},
              {"matches":[{"path":{"type":"PathPrefix","value":"/api/v1"}}],"backendRefs":[{{{To("a")}}}]}
            ]}
            """, new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        var build = Build(Inputs([GatewayObjects.Gateway("gw", "default", Http())], [newer, older]));

        Assert.Equal("default/c", Target(build, Request("h", "/api/exact", headers: ("x-env", "canary"))));
        Assert.Equal("default/a", Target(build, Request("h", "/api/v1/x", "POST")));
        Assert.Equal("default/c", Target(build, Request("h", "/api/x", "POST", headers: ("x-env", "canary"))));
        // Same header count in both routes: the older route wins.
        Assert.Equal("default/b", Target(build, Request("h", "/api/x", headers: ("x-env", "canary"))));
        Assert.Equal("default/c", Target(build, Request("h", "/api/x", query: "?v=2")));
        Assert.Equal("default/a", Target(build, Request("h", "/apix")));
        Assert.Equal("default/a", Target(build, Request("h", "/api/x", headers: ("x-env", "prod"))));
    }

    [Fact]
    public void Build_RegularExpressionAndMethodMatches_MatchWholePath()
    {
        var route = Route("r", "default", $$$"""
            {"parentRefs":[{"name":"gw"}],"rules":[
              {"matches":[{"path":{"type":"RegularExpression","value":"/items/[0-9]+"}}],"backendRefs":[{{{To("b")}}}]},
              {"matches":[{"method":"DELETE"}],"backendRefs":[{{{To("c")}}}]}
            ]}
            """);
        var build = Build(Inputs([GatewayObjects.Gateway("gw", "default", Http())], [route]));

        Assert.Equal("default/b", Target(build, Request("h", "/items/42")));
        Assert.Null(Target(build, Request("h", "/items/42/more")));
        Assert.Equal("default/c", Target(build, Request("h", "/anything", "DELETE")));
    }

    [Fact]
    public void Build_HostnamesOfListenerAndRoute_IntersectAndMostSpecificFirst()
    {
        var gw = GatewayObjects.Gateway("gw", "default", Http("wild", "*.example.com"));
        var wide = Route("wide", "default", $$$"""{"parentRefs":[{"name":"gw"}],"rules":[{"backendRefs":[{{{To("a")}}}]}]}""");
        var narrow = Route("narrow", "default", $$$"""{"parentRefs":[{"name":"gw"}],"hostnames":["foo.example.com","other.test"],"rules":[{"backendRefs":[{{{To("b")}}}]}]}""");
        var outside = Route("outside", "default", $$$"""{"parentRefs":[{"name":"gw"}],"hostnames":["other.test"],"rules":[{"backendRefs":[{{{To("c")}}}]}]}""");
        var build = Build(Inputs([gw], [wide, narrow, outside]));

        Assert.Equal("default/b", Target(build, Request("foo.example.com", "/")));
        Assert.Equal("default/a", Target(build, Request("a.b.example.com", "/")));
        Assert.Null(Target(build, Request("example.com", "/")));
        Assert.Null(Target(build, Request("other.test", "/")));
        var status = build.Routes.Single(r => r.Route.Metadata.Name == "outside").Parents.Single().Conditions;
        Assert.Equal(("False", "NoMatchingListenerHostname"), (Condition(status, "Accepted").Status, Condition(status, "Accepted").Reason));
        Assert.Equal(2, build.Gateways.Single().Listeners.Single().AttachedRoutes);
    }

    [Fact]
    public void Build_BackendMissing_ResolvedRefsBackendNotFoundOtherRulesServe()
    {
        var route = Route("r", "default", $$$"""
            {"parentRefs":[{"name":"gw"}],"rules":[
              {"matches":[{"path":{"type":"PathPrefix","value":"/ok"}}],"backendRefs":[{{{To("a")}}}]},
              {"matches":[{"path":{"type":"PathPrefix","value":"/missing"}}],"backendRefs":[{{{To("nope")}}}]}
            ]}
            """);
        var build = Build(Inputs([GatewayObjects.Gateway("gw", "default", Http())], [route]));

        var conditions = build.Routes.Single().Parents.Single().Conditions;
        Assert.Equal("True", Condition(conditions, "Accepted").Status);
        Assert.Equal(("False", "BackendNotFound"), (Condition(conditions, "ResolvedRefs").Status, Condition(conditions, "ResolvedRefs").Reason));
        Assert.Contains("default/nope", Condition(conditions, "ResolvedRefs").Message, StringComparison.Ordinal);
        Assert.Equal("default/a", Target(build, Request("h", "/ok")));
        var missing = build.Table.Match(Request("h", "/missing"))!.Backends.Pick(0)!;
        Assert.True(missing.Invalid);
    }

    [Fact]
    public void Build_CrossNamespaceBackend_RefNotPermittedUntilReferenceGrant()
    {
        var route = Route("r", "default", """{"parentRefs":[{"name":"gw"}],"rules":[{"backendRefs":[{"name":"x","namespace":"other","port":80}]}]}""");
        var gw = GatewayObjects.Gateway("gw", "default", Http());

        var refused = Build(Inputs([gw], [route]));
        var grant = Parse<V1Beta1ReferenceGrant>("""
            {"metadata":{"name":"g","namespace":"other"},"spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"default"}],"to":[{"group":"","kind":"Service"}]}}
            """);
        var granted = Build(Inputs([gw], [route], [grant]));

        Assert.Equal("RefNotPermitted", Condition(refused.Routes.Single().Parents.Single().Conditions, "ResolvedRefs").Reason);
        Assert.True(refused.Table.Match(Request("h", "/"))!.Backends.Pick(0)!.Invalid);
        Assert.Equal("True", Condition(granted.Routes.Single().Parents.Single().Conditions, "ResolvedRefs").Status);
        Assert.Equal("other/x", Target(granted, Request("h", "/")));
    }

    [Fact]
    public void Build_BackendOfOtherKind_InvalidKind()
    {
        var route = Route("r", "default", """{"parentRefs":[{"name":"gw"}],"rules":[{"backendRefs":[{"group":"example.com","kind":"Bucket","name":"b"}]}]}""");

        var build = Build(Inputs([GatewayObjects.Gateway("gw", "default", Http())], [route]));

        Assert.Equal("InvalidKind", Condition(build.Routes.Single().Parents.Single().Conditions, "ResolvedRefs").Reason);
    }

    [Fact]
    public void Build_ListenersOnOtherPortOrProtocol_NotAcceptedWithReason()
    {
        var gw = GatewayObjects.Gateway("gw", "default", Http("http"), Http("alt", port: 8080), """{"name":"tcp","protocol":"TCP","port":9000}""");
        var route = Route("r", "default", $$$"""{"parentRefs":[{"name":"gw"}],"rules":[{"backendRefs":[{{{To("a")}}}]}]}""");

        var build = Build(Inputs([gw], [route]));

        var listeners = build.Gateways.Single().Listeners.ToDictionary(l => l.Name);
        Assert.Equal("True", Condition(listeners["http"].Conditions, "Programmed").Status);
        Assert.Equal(1, listeners["http"].AttachedRoutes);
        Assert.Equal(("False", "PortUnavailable"), (Condition(listeners["alt"].Conditions, "Accepted").Status, Condition(listeners["alt"].Conditions, "Accepted").Reason));
        Assert.Equal("False", Condition(listeners["alt"].Conditions, "Programmed").Status);
        Assert.Equal(0, listeners["alt"].AttachedRoutes);
        Assert.Equal("UnsupportedProtocol", Condition(listeners["tcp"].Conditions, "Accepted").Reason);
        var gateway = build.Gateways.Single().Conditions;
        Assert.Equal(("True", "ListenersNotValid"), (Condition(gateway, "Accepted").Status, Condition(gateway, "Accepted").Reason));
        Assert.Equal("True", Condition(gateway, "Programmed").Status);
        Assert.Equal(Addresses, build.Gateways.Single().Addresses);
    }

    [Fact]
    public void Build_TwoListenersSameHostnameAndPort_Conflicted()
    {
        var gw = GatewayObjects.Gateway("gw", "default", Http("one", "a.test"), Http("two", "a.test"), Http("three", "b.test"));

        var listeners = Build(Inputs([gw], [])).Gateways.Single().Listeners.ToDictionary(l => l.Name);

        Assert.Equal(("True", "HostnameConflict"), (Condition(listeners["one"].Conditions, "Conflicted").Status, Condition(listeners["one"].Conditions, "Conflicted").Reason));
        Assert.Equal("False", Condition(listeners["two"].Conditions, "Programmed").Status);
        Assert.Equal("False", Condition(listeners["three"].Conditions, "Conflicted").Status);
    }

    [Fact]
    public void Build_AllowedRoutesSameAllSelector_AttachOnlyAllowedNamespaces()
    {
        var gw = GatewayObjects.Gateway("gw", "infra", Http("same", "same.test"), Http("all", "all.test", from: "All"),
            """{"name":"sel","protocol":"HTTP","port":80,"hostname":"sel.test","allowedRoutes":{"namespaces":{"from":"Selector","selector":{"matchLabels":{"team":"web"}}}}}""");
        var fromWeb = Route("r", "web", """{"parentRefs":[{"name":"gw","namespace":"infra"}],"rules":[{"backendRefs":[{"name":"a","port":80}]}]}""");
        var fromOps = Route("r", "ops", """{"parentRefs":[{"name":"gw","namespace":"infra"}],"rules":[{"backendRefs":[{"name":"a","port":80}]}]}""");

        var build = Build(Inputs([gw], [fromWeb, fromOps], namespaces: [Namespace("web", ("team", "web")), Namespace("ops")]));

        var listeners = build.Gateways.Single().Listeners.ToDictionary(l => l.Name);
        Assert.Equal(0, listeners["same"].AttachedRoutes);
        Assert.Equal(2, listeners["all"].AttachedRoutes);
        Assert.Equal(1, listeners["sel"].AttachedRoutes);
        Assert.NotNull(build.Table.Match(Request("sel.test", "/")));
        Assert.NotNull(build.Table.Match(Request("all.test", "/")));
        Assert.Null(build.Table.Match(Request("same.test", "/")));
    }

    [Fact]
    public void Build_SectionName_AttachesOnlyThatListenerOrNoMatchingParent()
    {
        var gw = GatewayObjects.Gateway("gw", "default", Http("one", "one.test"), Http("two", "two.test"));
        var toTwo = Route("two", "default", """{"parentRefs":[{"name":"gw","sectionName":"two"}],"rules":[{"backendRefs":[{"name":"a","port":80}]}]}""");
        var toNone = Route("none", "default", """{"parentRefs":[{"name":"gw","sectionName":"three"}],"rules":[{"backendRefs":[{"name":"a","port":80}]}]}""");

        var build = Build(Inputs([gw], [toTwo, toNone]));

        Assert.Null(build.Table.Match(Request("one.test", "/")));
        Assert.NotNull(build.Table.Match(Request("two.test", "/")));
        Assert.Equal("NoMatchingParent", Condition(build.Routes.Single(r => r.Route.Metadata.Name == "none").Parents.Single().Conditions, "Accepted").Reason);
    }

    [Fact]
    public void Build_HttpsListenerCertificates_ResolvedOrWhyNot()
    {
        static string Https(string name, string host, string secret, string? ns = null) =>
            $$$"""{"name":"{{{name}}}","protocol":"HTTPS","port":443,"hostname":"{{{host}}}","tls":{"mode":"Terminate","certificateRefs":[{"name":"{{{secret}}}"{{{(ns is null ? "" : $",\"namespace\":\"{ns}\"")}}}}]}}""";
        var gw = GatewayObjects.Gateway("gw", "default", Https("ok", "ok.test", "tls"), Https("missing", "missing.test", "nope"), Https("cross", "cross.test", "tls", "certs"));
        var secret = new V1Secret { Metadata = new V1ObjectMeta { Name = "tls", NamespaceProperty = "default" }, Data = new Dictionary<string, byte[]> { ["tls.crt"] = [1], ["tls.key"] = [2] } };
        var elsewhere = new V1Secret { Metadata = new V1ObjectMeta { Name = "tls", NamespaceProperty = "certs" }, Data = secret.Data };

        var build = Build(Inputs([gw], [], secrets: [secret, elsewhere]));

        var listeners = build.Gateways.Single().Listeners.ToDictionary(l => l.Name);
        Assert.Equal("True", Condition(listeners["ok"].Conditions, "Programmed").Status);
        Assert.Equal("InvalidCertificateRef", Condition(listeners["missing"].Conditions, "ResolvedRefs").Reason);
        Assert.Equal("RefNotPermitted", Condition(listeners["cross"].Conditions, "ResolvedRefs").Reason);
        var certificate = Assert.Single(build.Certificates);
        Assert.Equal(("default", "tls", "ok.test"), (certificate.Namespace, certificate.SecretName, certificate.Hosts.Single()));
    }

    [Fact]
    public void Build_ClassOfAnotherController_NothingServedOrReported()
    {
        var gw = GatewayObjects.Gateway("gw", "default", Http());
        var route = Route("r", "default", """{"parentRefs":[{"name":"gw"}],"rules":[{"backendRefs":[{"name":"a","port":80}]}]}""");

        var build = Build(Inputs([gw], [route], classes: [Class("timonel", "example.com/other")]));

        Assert.Empty(build.AcceptedClasses);
        Assert.Empty(build.Gateways);
        Assert.Empty(build.Routes);
        Assert.True(build.Table.IsEmpty);
    }

    [Fact]
    public void Build_UnsupportedFilterOrBadExpression_RouteNotAcceptedOthersServe()
    {
        var mirror = Route("mirror", "default", """{"parentRefs":[{"name":"gw"}],"hostnames":["m.test"],"rules":[{"filters":[{"type":"RequestMirror","requestMirror":{"backendRef":{"name":"a","port":80}}}],"backendRefs":[{"name":"a","port":80}]}]}""");
        var regex = Route("regex", "default", """{"parentRefs":[{"name":"gw"}],"hostnames":["r.test"],"rules":[{"matches":[{"path":{"type":"RegularExpression","value":"/(unclosed"}}],"backendRefs":[{"name":"a","port":80}]}]}""");
        var good = Route("good", "default", """{"parentRefs":[{"name":"gw"}],"hostnames":["g.test"],"rules":[{"backendRefs":[{"name":"b","port":80}]}]}""");

        var build = Build(Inputs([GatewayObjects.Gateway("gw", "default", Http())], [mirror, regex, good]));

        var byName = build.Routes.ToDictionary(r => r.Route.Metadata.Name, r => Condition(r.Parents.Single().Conditions, "Accepted"));
        Assert.Equal(("False", "UnsupportedValue"), (byName["mirror"].Status, byName["mirror"].Reason));
        Assert.Contains("RequestMirror", byName["mirror"].Message, StringComparison.Ordinal);
        Assert.Equal("UnsupportedValue", byName["regex"].Reason);
        Assert.Equal("True", byName["good"].Status);
        Assert.Null(build.Table.Match(Request("m.test", "/")));
        Assert.Equal("default/b", Target(build, Request("g.test", "/")));
    }
}
