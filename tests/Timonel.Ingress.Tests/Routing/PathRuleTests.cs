using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Tests.Routing;

public sealed class PathRuleTests
{
    private static readonly Backend Any = Backend.Unavailable("default/x", "none");

    // Upstream's examples table (concepts/services-networking/ingress, "Examples").
    [Theory]
    [InlineData("/", "/anything", true)]
    [InlineData("/foo", "/foo", true)]
    [InlineData("/foo", "/foo/", true)]
    [InlineData("/foo", "/foo/bar", true)]
    [InlineData("/foo", "/foobar", false)]
    [InlineData("/foo/", "/foo", true)]
    [InlineData("/aaa/bb", "/aaa/bbb", false)]
    [InlineData("/aaa/bbb", "/aaa/bbb/ccc", true)]
    [InlineData("/Foo", "/foo", false)]
    public void Matches_Prefix_ComparesElements(string rule, string request, bool expected) =>
        Assert.Equal(expected, new PathRule(rule, PathKind.Prefix, Any, "default/i").Matches(request));

    [Theory]
    [InlineData("/foo", "/foo", true)]
    [InlineData("/foo", "/foo/", false)]
    [InlineData("/foo", "/bar", false)]
    [InlineData("/foo", "/FOO", false)]
    public void Matches_Exact_ComparesWholePath(string rule, string request, bool expected) =>
        Assert.Equal(expected, new PathRule(rule, PathKind.Exact, Any, "default/i").Matches(request));
}
