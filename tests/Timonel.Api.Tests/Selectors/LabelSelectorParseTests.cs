using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Xunit;

namespace Timonel.Api.Tests.Selectors;

public class LabelSelectorParseTests
{
    private const string NameRule = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    // Upstream's RegexError really writes two spaces before each " or ".
    private const string ValueRule = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    [Theory]
    [InlineData("x=a", "x=a")]
    [InlineData("x==a", "x==a")]
    [InlineData("x!=a", "x!=a")]
    [InlineData("x in (a,b)", "x in (a,b)")]
    [InlineData("x in (b,a)", "x in (a,b)")]
    [InlineData("x notin (a)", "x notin (a)")]
    [InlineData("x", "x")]
    [InlineData("!x", "!x")]
    [InlineData("x>1", "x>1")]
    [InlineData("x<5", "x<5")]
    [InlineData("x=", "x=")]
    [InlineData("x= ,z= ", "x=,z=")]
    [InlineData("  a  =  b  ", "a=b")]
    [InlineData("a\t==\nb\r", "a==b")]
    [InlineData("b=1,a=2", "a=2,b=1")]
    [InlineData("example.com/app=web", "example.com/app=web")]
    [InlineData("x in (foo,,baz),y,z notin (q)", "x in (,baz,foo),y,z notin (q)")]
    [InlineData("x in ( a , b )", "x in (a,b)")]
    [InlineData("x in (a,)", "x in (,a)")]
    [InlineData("x in (a,a)", "x in (a)")]
    [InlineData("in=notin", "in=notin")]
    [InlineData("notin in (in,notin)", "notin in (in,notin)")]
    [InlineData("!a,b", "!a,b")]
    public void Parse_ValidSelector_PrintsCanonicalForm(string text, string canonical)
    {
        var selector = LabelSelector.Parse(text);

        Assert.Equal(canonical, selector.ToString());
        Assert.False(selector.IsEmpty);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void Parse_NullOrBlank_IsEverything(string? text)
    {
        var selector = LabelSelector.Parse(text);

        Assert.True(selector.IsEmpty);
        Assert.Empty(selector.Requirements);
        Assert.True(selector.Matches(SelectorTestData.Labels("a=b")));
    }

    [Theory]
    [InlineData("x=a", SelectionOperator.Equals, new[] { "a" })]
    [InlineData("x==a", SelectionOperator.DoubleEquals, new[] { "a" })]
    [InlineData("x!=a", SelectionOperator.NotEquals, new[] { "a" })]
    [InlineData("x in (b,a)", SelectionOperator.In, new[] { "a", "b" })]
    [InlineData("x notin (a)", SelectionOperator.NotIn, new[] { "a" })]
    [InlineData("x", SelectionOperator.Exists, new string[0])]
    [InlineData("!x", SelectionOperator.DoesNotExist, new string[0])]
    [InlineData("x>3", SelectionOperator.GreaterThan, new[] { "3" })]
    [InlineData("x<3", SelectionOperator.LessThan, new[] { "3" })]
    public void Parse_EachOperator_BuildsRequirement(string text, SelectionOperator op, string[] values)
    {
        var requirement = Assert.Single(LabelSelector.Parse(text).Requirements);

        Assert.Equal("x", requirement.Key);
        Assert.Equal(op, requirement.Operator);
        Assert.Equal(values, requirement.Values);
    }

    [Theory]
    [InlineData("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("a in b", "unable to parse requirement: found 'b' expected: '('")]
    [InlineData("a in (b", "unable to parse requirement: found '', expected: ',' or ')'")]
    [InlineData("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'")]
    [InlineData("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier")]
    [InlineData("a=(b)", "unable to parse requirement: found '(', expected: identifier")]
    [InlineData("!=a", "found '!=', expected: !, identifier, or 'end of string'")]
    [InlineData("!", "unable to parse requirement: found '', expected: identifier")]
    [InlineData("!!a", "unable to parse requirement: found '!', expected: identifier")]
    [InlineData("!x=a", "found '=', expected: ',' or 'end of string'")]
    [InlineData("x==a==b", "found '==', expected: ',' or 'end of string'")]
    [InlineData("a=b,", "found '', expected: identifier after ','")]
    [InlineData("a=b,,c=d", "found ',', expected: identifier after ','")]
    [InlineData(",a", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("=a", "found '=', expected: !, identifier, or 'end of string'")]
    [InlineData("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("x<-5", "unable to parse requirement: values[0][x]: Invalid value: \"-5\": " + ValueRule)]
    [InlineData("x>", "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": " + ValueRule)]
    [InlineData("-a=b", "unable to parse requirement: <nil>: Invalid value: \"-a\": name part " + NameRule)]
    [InlineData("/a", "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty")]
    [InlineData("a/", "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; name part " + NameRule)]
    public void Parse_BadSyntax_ThrowsBadRequestWithUpstreamMessage(string text, string message)
    {
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse(text));

        Assert.Equal(400, e.Code);
        Assert.Equal("BadRequest", e.Reason);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Parse_KeyWithTwoSlashes_ExplainsKeyShape()
    {
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse("a/b/c=d"));

        Assert.Equal(400, e.Code);
        Assert.StartsWith("unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key must consist of", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UppercasePrefix_RejectsPrefixAsSubdomain()
    {
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse("Example.com/a"));

        Assert.Contains("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyNameLongerThan63_Rejected()
    {
        var name = new string('k', 64);

        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse(name + "=v"));

        Assert.Equal($"unable to parse requirement: <nil>: Invalid value: \"{name}\": name part must be no more than 63 bytes", e.Message);
    }

    [Fact]
    public void Parse_ValueOf63_AcceptedAnd64_Rejected()
    {
        var ok = new string('v', 63);
        var tooLong = new string('v', 64);

        Assert.Equal("a=" + ok, LabelSelector.Parse("a=" + ok).ToString());
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse("a=" + tooLong));
        Assert.Equal($"unable to parse requirement: values[0][a]: Invalid value: \"{tooLong}\": must be no more than 63 bytes", e.Message);
    }

    [Fact]
    public void Parse_SameSelectorInAnyOrder_SameRequirements()
    {
        Assert.Equal(LabelSelector.Parse("x=a,a=x").ToString(), LabelSelector.Parse("a=x,x=a").ToString());
    }

    [Fact]
    public void RequiresExactMatch_EqualsOrSingleIn_ReturnsValue()
    {
        Assert.True(LabelSelector.Parse("a=b,c in (d)").RequiresExactMatch("c", out var c));
        Assert.Equal("d", c);
        Assert.True(LabelSelector.Parse("a==b").RequiresExactMatch("a", out var a));
        Assert.Equal("b", a);
        Assert.False(LabelSelector.Parse("a in (b,c)").RequiresExactMatch("a", out _));
        Assert.False(LabelSelector.Parse("a!=b").RequiresExactMatch("a", out _));
        Assert.False(LabelSelector.Parse("a=b").RequiresExactMatch("z", out _));
    }
}
