using Microsoft.AspNetCore.Http;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Gateway.Routing;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Tests.Gateway;

public sealed class RouteFiltersTests
{
    private static V1PathModifier Prefix(string to) => new() { Type = "ReplacePrefixMatch", ReplacePrefixMatch = to };

    [Theory]
    [InlineData("/foo", "/bar", "/foo/x", "/bar/x")]
    [InlineData("/foo", "/", "/foo/x", "/x")]
    [InlineData("/foo", "/", "/foo", "/")]
    [InlineData("/foo", "/bar/", "/foo/x", "/bar/x")]
    [InlineData("", "/v2", "/x", "/v2/x")]
    public void ModifyPath_ReplacePrefixMatch_SwapsTheMatchedPrefix(string prefix, string replacement, string path, string expected) =>
        Assert.Equal(expected, RouteFilters.ModifyPath(Prefix(replacement), path, prefix));

    [Fact]
    public void ModifyPath_ReplaceFullPath_ReplacesAll() =>
        Assert.Equal("/new", RouteFilters.ModifyPath(new V1PathModifier { Type = "ReplaceFullPath", ReplaceFullPath = "/new" }, "/old/x", "/old"));

    [Fact]
    public void RedirectLocation_SchemeOnly_WellKnownPortLeftOut() =>
        Assert.Equal("https://a.test/p?q=1", RouteFilters.RedirectLocation(new V1RequestRedirect { Scheme = "https" }, "http", "a.test", "/p", "?q=1", 80, ""));

    [Fact]
    public void RedirectLocation_NoSchemeOnOddListenerPort_KeepsListenerPort() =>
        Assert.Equal("http://b.test:8080/p", RouteFilters.RedirectLocation(new V1RequestRedirect { Hostname = "b.test" }, "http", "a.test", "/p", "", 8080, ""));

    [Fact]
    public void RedirectLocation_PortAndPrefixPath_AllApplied() =>
        Assert.Equal("http://a.test:9000/new/rest", RouteFilters.RedirectLocation(new V1RequestRedirect { Port = 9000, Path = Prefix("/new") }, "http", "a.test", "/old/rest", "", 80, "/old"));

    [Fact]
    public void Apply_SetAddRemove_EditsHeaders()
    {
        var headers = new HeaderDictionary { ["keep"] = "1", ["replace"] = "old", ["drop"] = "x", ["multi"] = "a" };

        RouteFilters.Apply(new V1HeaderModifier { Set = [new V1HttpHeader { Name = "replace", Value = "new" }], Add = [new V1HttpHeader { Name = "multi", Value = "b" }], Remove = ["drop"] }, headers);

        Assert.Equal("1", headers["keep"]);
        Assert.Equal("new", headers["replace"]);
        Assert.Equal("a,b", headers["multi"].ToString());
        Assert.False(headers.ContainsKey("drop"));
    }

    [Fact]
    public void Compile_RedirectWithRewrite_Refused() =>
        Assert.Throws<ArgumentException>(() => RouteFilters.Compile([
            new V1HttpRouteFilter { Type = "RequestRedirect", RequestRedirect = new V1RequestRedirect() },
            new V1HttpRouteFilter { Type = "URLRewrite", UrlRewrite = new V1UrlRewrite() }]));

    [Fact]
    public void Pick_Weights_EachBackendGetsItsShare()
    {
        var a = new WeightedBackend(Backend.Ready("ns/a", [new(System.Net.IPAddress.Loopback, 1)]), 3, false);
        var zero = new WeightedBackend(Backend.Ready("ns/z", [new(System.Net.IPAddress.Loopback, 2)]), 0, false);
        var b = new WeightedBackend(Backend.Ready("ns/b", [new(System.Net.IPAddress.Loopback, 3)]), 1, false);
        var backends = new WeightedBackends([a, zero, b]);

        var picks = Enumerable.Range(0, backends.TotalWeight).Select(roll => backends.Pick(roll)!.Backend.Service).ToList();

        Assert.Equal(["ns/a", "ns/a", "ns/a", "ns/b"], picks);
        Assert.Null(new WeightedBackends([zero]).Pick(0));
    }

    [Theory]
    [InlineData(null, new[] { "a.test" }, new[] { "a.test" })]
    [InlineData("*.example.com", new string[0], new[] { "*.example.com" })]
    [InlineData("*.example.com", new[] { "foo.example.com", "a.b.example.com", "example.com", "other.test" }, new[] { "foo.example.com", "a.b.example.com" })]
    [InlineData("foo.example.com", new[] { "*.example.com" }, new[] { "foo.example.com" })]
    [InlineData("*.example.com", new[] { "*.foo.example.com" }, new[] { "*.foo.example.com" })]
    [InlineData("a.test", new[] { "b.test" }, new string[0])]
    public void Intersect_ListenerAndRouteHostnames_MoreSpecificServed(string? listener, string[] route, string[] expected) =>
        Assert.Equal(expected, GatewayHostnames.Intersect(listener, route));
}
