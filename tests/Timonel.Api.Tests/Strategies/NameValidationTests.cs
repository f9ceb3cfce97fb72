using Timonel.Api.Validation;
using Xunit;

namespace Timonel.Api.Tests.Strategies;

public class NameValidationTests
{
    [Theory]
    [InlineData("example.com")]
    [InlineData("a")]
    [InlineData("my-app-1")]
    public void IsDns1123Subdomain_ValidNames_NoErrors(string name) => Assert.Empty(NameValidation.IsDns1123Subdomain(name));

    [Fact]
    public void IsDns1123Subdomain_Uppercase_UpstreamMessage()
    {
        var msg = Assert.Single(NameValidation.IsDns1123Subdomain("Foo_Bar"));
        Assert.Equal(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            msg);
    }

    [Fact]
    public void IsDns1123Label_TooLongAndDotted_BothErrors()
    {
        var errs = NameValidation.IsDns1123Label(new string('a', 64) + ".b");
        Assert.Equal(2, errs.Count);
        Assert.Equal("must be no more than 63 characters", errs[0]);
        Assert.Contains("(e.g. 'my-name',  or '123-abc', regex used", errs[1], StringComparison.Ordinal);
    }

    [Fact]
    public void IsDns1035Label_LeadingDigit_Invalid() => Assert.Single(NameValidation.IsDns1035Label("1abc"));

    [Theory]
    [InlineData("app")]
    [InlineData("app.kubernetes.io/name")]
    [InlineData("Example_Key.1")]
    public void IsQualifiedName_Valid_NoErrors(string key) => Assert.Empty(NameValidation.IsQualifiedName(key));

    [Theory]
    [InlineData("/name", "prefix part must be non-empty")]
    [InlineData("a/b/c", "a qualified name must consist")]
    [InlineData("Example.com/x", "prefix part a lowercase RFC 1123 subdomain")]
    [InlineData("-bad", "name part must consist")]
    public void IsQualifiedName_Invalid_Explains(string key, string start) =>
        Assert.Contains(NameValidation.IsQualifiedName(key), m => m.StartsWith(start, StringComparison.Ordinal));

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_x", true)]
    [InlineData("-x", false)]
    [InlineData("has space", false)]
    public void IsValidLabelValue_Cases(string value, bool valid) => Assert.Equal(valid, NameValidation.IsValidLabelValue(value).Count == 0);

    [Theory]
    [InlineData("http", true)]
    [InlineData("metrics-8080", true)]
    [InlineData("8080", false)]
    [InlineData("a--b", false)]
    [InlineData("very-long-port-name", false)]
    public void IsValidPortName_Cases(string value, bool valid) => Assert.Equal(valid, NameValidation.IsValidPortName(value).Count == 0);

    [Theory]
    [InlineData("..", "may not be '..'")]
    [InlineData("a/b", "may not contain '/'")]
    [InlineData("a%b", "may not contain '%'")]
    public void IsPathSegmentName_Invalid(string name, string message) => Assert.Equal(message, Assert.Single(NameValidation.IsPathSegmentName(name, false)));

    [Theory]
    [InlineData("system:controller:foo")]
    [InlineData("My.Role")]
    public void IsPathSegmentName_RbacStyle_Valid(string name) => Assert.Empty(NameValidation.IsPathSegmentName(name, false));

    [Theory]
    [InlineData("key.name", true)]
    [InlineData("..hidden", false)]
    [InlineData("a/b", false)]
    public void IsConfigMapKey_Cases(string key, bool valid) => Assert.Equal(valid, NameValidation.IsConfigMapKey(key).Count == 0);

    [Theory]
    [InlineData("100m", 0.1)]
    [InlineData("1Gi", 1073741824)]
    [InlineData("2", 2)]
    [InlineData("1.5k", 1500)]
    [InlineData("3e2", 300)]
    public void Quantity_TryParse_Values(string text, double expected)
    {
        Assert.True(Quantity.TryParse(text, out var value));
        Assert.Equal((decimal)expected, value);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1Zi")]
    [InlineData("")]
    public void Quantity_TryParse_Garbage_False(string text) => Assert.False(Quantity.TryParse(text, out _));

    [Theory]
    [InlineData("10.43.0.1", true)]
    [InlineData("2001:0db8::1", true)]
    [InlineData("fd00::10", true)]
    [InlineData("10.1", false)]
    [InlineData("10.0.0.256", false)]
    [InlineData("host", false)]
    public void IsValidIp_Cases(string value, bool valid) => Assert.Equal(valid, NameValidation.IsValidIp(value).Count == 0);
}
