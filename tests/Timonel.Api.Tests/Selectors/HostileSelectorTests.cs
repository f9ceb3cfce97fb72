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
    [InlineData("\0", 0)]
    [InlineData("\0a=b", 0)]
    [InlineData("   \0 !!bad", 3)]
    [InlineData("a=\0b", 2)]
    [InlineData("a,b\0,c", 3)]
    [InlineData("a in (b\0c)", 7)]
    public void LabelParse_AnyNul_Is400NeverEverything(string text, int at)
    {
        // Upstream's lexer takes such a NUL for the end of input and would select everything.
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse(text));

        Assert.Equal(400, e.Code);
        Assert.Equal($"labelSelector holds a NUL character (at {at}): a selector may not contain one", e.Message);
    }

    [Theory]
    [InlineData("a in ()")]
    [InlineData("a notin ()")]
    [InlineData("b=c,a in ( )")]
    public void LabelParse_EmptyValueSet_Is400(string text)
    {
        var e = Assert.Throws<ApiException>(() => LabelSelector.Parse(text));

        Assert.Equal(400, e.Code);
        Assert.Equal("unable to parse requirement: for 'in', 'notin' operators, values set can't be empty", e.Message);
    }

    [Fact]
    public void FieldParse_Nul_Is400()
    {
        var e = Assert.Throws<ApiException>(() => FieldSelector.Parse("metadata.name=a\0"));

        Assert.Equal(400, e.Code);
        Assert.Equal("fieldSelector holds a NUL character (at 15): a selector may not contain one", e.Message);
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
    [InlineData("\0", "fieldSelector holds a NUL character (at 0): a selector may not contain one")]
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
    [InlineData("=x", "", true, "x")]
    public void FieldParse_OddButValid_ParsesAsUpstream(string text, string field, bool equal, string value)
    {
        var requirement = Assert.Single(FieldSelector.Parse(text).Requirements);

        Assert.Equal((field, equal, value), (requirement.Field, requirement.Equal, requirement.Value));
    }
}
