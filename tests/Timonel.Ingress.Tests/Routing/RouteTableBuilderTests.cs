using k8s.Models;
using Timonel.Ingress.Routing;
using static Timonel.Ingress.Tests.Objects;

namespace Timonel.Ingress.Tests.Routing;

public sealed class RouteTableBuilderTests
{
    private static readonly ListClusterView Cluster = ListClusterView.Of(ReadyService("a", 1), ReadyService("b", 2), ReadyService("c", 3));

    private static RouteTable Table(params V1Ingress[] ingresses) => RouteTableBuilder.Build(ingresses, Cluster).Table;

    private static string? Target(RouteTable table, string host, string path, bool secure = false) =>
        table.Match(host, path, secure).Backend?.Service;

    [Fact]
    public void Match_TwoHosts_EachToItsService()
    {
        var table = Table(MakeIngress("i", rules: [Rule("a.example.com", Path("/", "Prefix", "a")), Rule("b.example.com", Path("/", "Prefix", "b"))]));

        Assert.Equal("default/a", Target(table, "a.example.com", "/x"));
        Assert.Equal("default/b", Target(table, "B.Example.com:8080", "/x"));
        Assert.Null(Target(table, "c.example.com", "/x"));
    }

    [Fact]
    public void Match_WildcardHost_MatchesExactlyOneLabel()
    {
        var table = Table(MakeIngress("i", rules: [Rule("*.example.com", Path("/", "Prefix", "a"))]));

        Assert.Equal("default/a", Target(table, "foo.example.com", "/"));
        Assert.Null(Target(table, "example.com", "/"));
        Assert.Null(Target(table, "a.b.example.com", "/"));
    }

    [Fact]
    public void Match_ExactHostAndWildcard_ExactHostWins()
    {
        var table = Table(MakeIngress("i", rules: [Rule("*.example.com", Path("/", "Prefix", "a")), Rule("foo.example.com", Path("/", "Prefix", "b"))]));

        Assert.Equal("default/b", Target(table, "foo.example.com", "/"));
        Assert.Equal("default/a", Target(table, "bar.example.com", "/"));
    }

    [Fact]
    public void Match_ExactAndPrefixOfSamePath_ExactWins()
    {
        var table = Table(MakeIngress("i", rules: [Rule("h", Path("/foo", "Prefix", "a"), Path("/foo", "Exact", "b"))]));

        Assert.Equal("default/b", Target(table, "h", "/foo"));
        Assert.Equal("default/a", Target(table, "h", "/foo/bar"));
    }

    [Fact]
    public void Match_NestedPrefixes_LongestWins()
    {
        var table = Table(MakeIngress("i", rules: [Rule("h", Path("/", "Prefix", "a"), Path("/api/v1", "Prefix", "c"), Path("/api", "Prefix", "b"))]));

        Assert.Equal("default/c", Target(table, "h", "/api/v1/pods"));
        Assert.Equal("default/b", Target(table, "h", "/api/v2"));
        Assert.Equal("default/b", Target(table, "h", "/api"));
        Assert.Equal("default/a", Target(table, "h", "/apis"));
    }

    [Fact]
    public void Match_ImplementationSpecific_ServedAsPrefix()
    {
        var table = Table(MakeIngress("i", rules: [Rule("h", Path("/app", "ImplementationSpecific", "a"))]));

        Assert.Equal("default/a", Target(table, "h", "/app/x"));
        Assert.Null(Target(table, "h", "/application"));
    }

    [Fact]
    public void Match_SamePathInTwoIngresses_OlderIngressWins()
    {
        var older = MakeIngress("older", created: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), rules: [Rule("h", Path("/", "Prefix", "a"))]);
        var newer = MakeIngress("newer", created: new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc), rules: [Rule("h", Path("/", "Prefix", "b"), Path("/only-new", "Prefix", "c"))]);

        var table = Table(newer, older);

        Assert.Equal("default/a", Target(table, "h", "/"));
        Assert.Equal("default/c", Target(table, "h", "/only-new"));
    }

    [Fact]
    public void Match_UnknownHost_HostlessRulesThenDefaultBackend()
    {
        var table = Table(
            MakeIngress("hostless", rules: [Rule(null, Path("/api", "Prefix", "a"))]),
            MakeIngress("dflt", created: new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc), defaultBackend: ToService("c")));

        Assert.Equal("default/a", Target(table, "anything.test", "/api/x"));
        Assert.Equal("default/c", Target(table, "anything.test", "/other"));
    }

    [Fact]
    public void Match_HostWithoutMatchingPath_IngressDefaultBackendElse404()
    {
        var table = Table(
            MakeIngress("with", defaultBackend: ToService("c"), rules: [Rule("h1", Path("/a", "Exact", "a"))]),
            MakeIngress("without", rules: [Rule("h2", Path("/a", "Exact", "a"))]));

        Assert.Equal("default/c", Target(table, "h1", "/b"));
        Assert.Null(Target(table, "h2", "/b"));
    }

    [Fact]
    public void Build_MissingService_ThatRuleAnswersWhyOthersWork()
    {
        var build = RouteTableBuilder.Build([MakeIngress("i", rules: [Rule("h", Path("/gone", "Prefix", "missing"), Path("/", "Prefix", "a"))])], Cluster);

        var broken = build.Table.Match("h", "/gone", false).Backend!;
        Assert.Null(broken.Pick());
        Assert.Equal("service default/missing not found", broken.Problem);
        Assert.Equal("default/a", Target(build.Table, "h", "/ok"));
        Assert.Equal(["service default/missing not found"], build.Problems["default/i"]);
    }

    [Fact]
    public void Build_MissingPortNameOrNumber_ProblemNamesThePort()
    {
        var build = RouteTableBuilder.Build([MakeIngress("i", rules: [Rule("h", PathByName("/n", "Prefix", "a", "web"), Path("/p", "Prefix", "a", 9999))])], Cluster);

        Assert.Equal("service default/a has no TCP port named \"web\"", build.Table.Match("h", "/n", false).Backend!.Problem);
        Assert.Equal("service default/a has no TCP port 9999", build.Table.Match("h", "/p", false).Backend!.Problem);
        Assert.Equal(2, build.Problems["default/i"].Count);
    }

    [Fact]
    public void Build_PortByName_ResolvesTheSlicePortOfThatName()
    {
        var service = Service("web", "default", new V1ServicePort { Name = "http", Port = 80 }, new V1ServicePort { Name = "admin", Port = 81 });
        var slice = Slice("web", 0, null, "default", ("10.1.0.1", true));
        slice.Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080 }, new Discoveryv1EndpointPort { Name = "admin", Port = 9090 }];
        var view = new ListClusterView([service], [slice]);

        var build = RouteTableBuilder.Build([MakeIngress("i", rules: [Rule("h", PathByName("/", "Prefix", "web", "admin"), Path("/http", "Prefix", "web", 80))])], view);

        Assert.Equal("10.1.0.1:9090", build.Table.Match("h", "/", false).Backend!.Pick()!.ToString());
        Assert.Equal("10.1.0.1:8080", build.Table.Match("h", "/http", false).Backend!.Pick()!.ToString());
    }

    [Fact]
    public void Build_NotReadyEndpoints_LeftOutAndNoneReadyAnswers503WithoutProblem()
    {
        var view = new ListClusterView(
            [Service("mixed"), Service("down")],
            [Slice("mixed", 8080, null, "default", ("10.2.0.1", false), ("10.2.0.2", null)), Slice("down", 8080, null, "default", ("10.3.0.1", false))]);

        var build = RouteTableBuilder.Build([MakeIngress("i", rules: [Rule("h", Path("/m", "Prefix", "mixed"), Path("/d", "Prefix", "down"))])], view);

        Assert.Equal(["10.2.0.2:8080"], build.Table.Match("h", "/m", false).Backend!.Endpoints.Select(e => e.ToString()));
        Assert.Equal("service default/down has no ready endpoints", build.Table.Match("h", "/d", false).Backend!.Problem);
        Assert.False(build.Problems.ContainsKey("default/i"));
    }

    [Fact]
    public void Match_TlsHostOverHttp_RedirectsOnlyThatHost()
    {
        var ingress = MakeIngress("i", rules: [Rule("secure.test", Path("/", "Prefix", "a")), Rule("plain.test", Path("/", "Prefix", "b"))]);
        ingress.Spec.Tls = [new V1IngressTLS { Hosts = ["secure.test"], SecretName = "s" }];

        var table = Table(ingress);

        Assert.True(table.Match("secure.test", "/", secure: false).RedirectToHttps);
        Assert.Equal("default/a", Target(table, "secure.test", "/", secure: true));
        Assert.Equal("default/b", Target(table, "plain.test", "/", secure: false));
    }

    [Fact]
    public void Build_BackendsOfOneServicePort_ShareOneRoundRobin()
    {
        var view = new ListClusterView([Service("a")], [Slice("a", 8080, null, "default", ("10.0.0.1", true), ("10.0.0.2", true))]);
        var table = RouteTableBuilder.Build([MakeIngress("i", rules: [Rule("h", Path("/x", "Prefix", "a"), Path("/y", "Prefix", "a"))])], view).Table;

        var picks = new[] { table.Match("h", "/x", false).Backend!.Pick(), table.Match("h", "/y", false).Backend!.Pick() };

        Assert.Equal(2, picks.Distinct().Count());
    }
}
