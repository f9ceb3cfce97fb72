using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Xunit;

namespace Timonel.Api.Tests.Selectors;

/// <summary>
/// Selector texts found by fuzzing, each read exactly as kube-apiserver 1.33's parsers read them
/// (apimachinery's labels/selector.go lexer and fields/selector.go).
/// </summary>
public class HostileSelectorTests
{
    [Theory]
    [InlineData("\0")]
    [InlineData("\0a=b")]
    [InlineData("   \0 !!bad")]
    public void LabelParse_NulWhereATokenStarts_EndsTheInputAsUpstream(string text)
    {
        // Upstream's lexer returns end-of-string for a NUL where a token starts, so the
        // selector is empty: kube-apiserver lists (and deletes) everything for "%00" too.
        Assert.True(LabelSelector.Parse(text).IsEmpty);
    }

    [Fact]
    public void LabelParse_NulAfterAnOperator_IsSkipped()
    {
        var selector = LabelSelector.Parse("a=\0b");

        Assert.Equal("a=b", selector.ToString());
    }

    [Theory]
    [InlineData("a,b \0,c", "a,b")]
    [InlineData("a,b\0,c", "a,b,c")]
    public void LabelParse_NulBetweenTokens_EndsTheInputOnlyWhereATokenStarts(string text, string parsed)
    {
        Assert.Equal(parsed, LabelSelector.Parse(text).ToString());
    }

    [Theory]
    [InlineData("a\0b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("a=b\0c", "found 'c', expected: ',' or 'end of string'")]
    [InlineData("a in (b\0c)", "unable to parse requirement: found 'c', expected: ',' or ')'")]
    public void LabelParse_NulInsideAToken_SplitsItAndFailsAsUpstream(string text, string message)
    {
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse(text));

        Assert.Equal(400, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("a in ()")]
    [InlineData("a notin ()")]
    public void LabelParse_EmptyValueSet_IsTheSetOfTheEmptyStringAsUpstream(string text)
    {
        // Upstream's parseValues reads "()" as {""}; its "values set can't be empty" check is
        // only reachable from code that builds requirements, not from selector text.
        var requirement = Assert.Single(LabelSelector.Parse(text).Requirements);

        Assert.Equal([""], requirement.Values);
    }

    [Fact]
    public void LabelCreate_InWithNoValues_ThrowsUpstreamMessage()
    {
        var e = Assert.Throws<ApiException>(() => LabelRequirement.Create("a", SelectionOperator.In, []));

        Assert.Equal(400, e.Code);
        Assert.Equal("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty", e.Message);
    }

    [Theory]
    [InlineData("labelSelector")]
    [InlineData("fieldSelector")]
    public void Parse_LongerThanTheLimit_ThrowsBadRequest(string parameter)
    {
        var text = "a=" + new string('b', SelectorLimits.MaxLength);

        var e = Assert.Throws<ApiException>(() => _ = parameter == "labelSelector" ? (object)LabelSelector.Parse(text) : FieldSelector.Parse(text));

        Assert.Equal(400, e.Code);
        Assert.Equal($"{parameter} is too long: {SelectorLimits.MaxLength + 2} characters, at most {SelectorLimits.MaxLength} are accepted", e.Message);
    }

    [Fact]
    public void Parse_AtTheLimit_IsAccepted()
    {
        var text = "a=" + new string('b', SelectorLimits.MaxLength - 2);

        Assert.Single(FieldSelector.Parse(text).Requirements);
        // The label parser reads it too, then refuses the 63+ character value: a syntax verdict, not a length one.
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse(text));
        Assert.StartsWith("unable to parse requirement: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\0", "invalid selector: '\0'; can't understand '\0'")]
    [InlineData("metadata.name<x", "invalid selector: 'metadata.name<x'; can't understand 'metadata.name<x'")]
    [InlineData("metadata.name===x", "invalid field selector: unescaped character in value: 61")]
    [InlineData("metadata.name=a\\b", "invalid field selector: invalid escape sequence: \\b")]
    [InlineData("metadata.name=a\\\U0001F600", "invalid field selector: invalid escape sequence: \\\U0001F600")]
    [InlineData("metadata.name=a\\", "invalid field selector: invalid escape sequence: \\")]
    public void FieldParse_Hostile_ThrowsUpstreamMessage(string text, string message)
    {
        var e = Assert.Throws<ApiException>(() => FieldSelector.Parse(text));

        Assert.Equal(400, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("metadata.name==", "metadata.name", true, "")]
    [InlineData("metadata.name!=", "metadata.name", false, "")]
    [InlineData("metadata.name=\0", "metadata.name", true, "\0")]
    [InlineData("=x", "", true, "x")]
    public void FieldParse_OddButValid_ParsesAsUpstream(string text, string field, bool equal, string value)
    {
        var requirement = Assert.Single(FieldSelector.Parse(text).Requirements);

        Assert.Equal((field, equal, value), (requirement.Field, requirement.Equal, requirement.Value));
    }
}
