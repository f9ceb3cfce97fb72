using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Xunit;
using static Timonel.Api.Tests.Selectors.SelectorTestData;

namespace Timonel.Api.Tests.Selectors;

public class FieldSelectorTests
{
    [Theory]
    [InlineData("a=b", "a", true, "b")]
    [InlineData("a==b", "a", true, "b")]
    [InlineData("a!=b", "a", false, "b")]
    [InlineData("a=", "a", true, "")]
    [InlineData("a=!b", "a", true, "!b")]
    [InlineData("a=x\\,y", "a", true, "x,y")]
    [InlineData("a=x\\=y", "a", true, "x=y")]
    [InlineData("a=x\\\\y", "a", true, "x\\y")]
    [InlineData("a = b", "a ", true, " b")]
    [InlineData("metadata.name=my-pod", "metadata.name", true, "my-pod")]
    public void Parse_OneTerm_FieldOperatorValue(string text, string field, bool equal, string value)
    {
        var requirement = Assert.Single(FieldSelector.Parse(text).Requirements);

        Assert.Equal(new FieldRequirement(field, equal, value), requirement);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(",")]
    [InlineData(",,")]
    public void Parse_NothingToSelect_IsEverything(string? text)
    {
        var selector = FieldSelector.Parse(text);

        Assert.True(selector.IsEmpty);
        Assert.Empty(selector.Fields);
        Assert.True(selector.Matches(Labels("a=b")));
    }

    [Fact]
    public void Parse_SeveralTerms_SortedAndFieldsDistinct()
    {
        var selector = FieldSelector.Parse("b=1,a!=2,,b!=3");

        Assert.Equal("a!=2,b!=3,b=1", selector.ToString());
        Assert.Equal(["a", "b"], selector.Fields);
    }

    [Theory]
    [InlineData("a=b", "a=b", true)]
    [InlineData("a=b", "a=c", false)]
    [InlineData("a=b", "", false)]
    [InlineData("a==b", "a=b", true)]
    [InlineData("a!=b", "a=b", false)]
    [InlineData("a!=b", "a=c", true)]
    [InlineData("a!=b", "", true)]
    [InlineData("a=", "", true)]
    [InlineData("a=b,c=d", "a=b;c=d", true)]
    [InlineData("a=b,c=d", "a=b;c=e", false)]
    [InlineData("a=b,c!=d", "a=b", true)]
    [InlineData("a=x\\,y", "a=x,y", true)]
    public void Matches_Table(string selector, string fields, bool expected)
    {
        Assert.Equal(expected, FieldSelector.Parse(selector).Matches(Labels(fields)));
    }

    [Theory]
    [InlineData("a", "invalid selector: 'a'; can't understand 'a'")]
    [InlineData("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'")]
    [InlineData("a in (b)", "invalid selector: 'a in (b)'; can't understand 'a in (b)'")]
    [InlineData("a=b=c", "invalid field selector: unescaped character in value: 61")]
    [InlineData("a=b\\", "invalid field selector: invalid escape sequence: \\")]
    [InlineData("a=\\x", "invalid field selector: invalid escape sequence: \\x")]
    public void Parse_BadSyntax_ThrowsBadRequest(string text, string message)
    {
        var e = Assert.Throws<ApiException>(() => FieldSelector.Parse(text));

        Assert.Equal(400, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void EscapeValue_RoundTripsThroughParse()
    {
        const string value = "a,b=c\\d";

        var selector = FieldSelector.Parse("f=" + FieldSelector.EscapeValue(value));

        Assert.Equal(value, Assert.Single(selector.Requirements).Value);
        Assert.Equal("f=a\\,b\\=c\\\\d", selector.ToString());
    }

    [Fact]
    public void RequiresExactMatch_OnlyForEquality()
    {
        var selector = FieldSelector.Parse("spec.nodeName=n1,status.phase!=Failed");

        Assert.True(selector.RequiresExactMatch("spec.nodeName", out var node));
        Assert.Equal("n1", node);
        Assert.False(selector.RequiresExactMatch("status.phase", out _));
    }
}
