using Timonel.Api.Errors;
using static Timonel.Api.Tests.Strategies.StrategyHarness;
using Xunit;
using Timonel.Registry.Strategies;

namespace Timonel.Api.Tests.Strategies;

public class ObjectMetaValidationTests
{
    private readonly IResourceStrategy _configMaps = new ConfigMapStrategy();

    [Fact]
    public void ValidateCreate_BadName_InvalidWithUpstreamText()
    {
        var (_, errors) = Create(_configMaps, """{"metadata":{"name":"Foo_Bar","namespace":"default"}}""");
        var error = Assert.Single(errors);
        Assert.Equal("metadata.name", error.Field);
        Assert.StartsWith("metadata.name: Invalid value: \"Foo_Bar\": a lowercase RFC 1123 subdomain must consist of", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("FieldValueInvalid", error.Reason);
    }

    [Fact]
    public void ValidateCreate_NoName_Required()
    {
        var (_, errors) = Create(_configMaps, """{"metadata":{"namespace":"default"}}""");
        HasError(errors, FieldErrorType.Required, "metadata.name", "name or generateName is required");
    }

    [Fact]
    public void ValidateCreate_BadLabelsAnnotationsFinalizersOwners_AllReported()
    {
        var (_, errors) = Create(_configMaps, """
            {"metadata":{"name":"cm","namespace":"default",
              "labels":{"app":"-bad-","a/b/c":"x","ok":"x"},
              "annotations":{"/nope":"x"},
              "finalizers":["custom"],
              "ownerReferences":[{"apiVersion":"apps/v1","kind":"","name":"rs","uid":""}]}}
            """);
        HasError(errors, FieldErrorType.Invalid, "metadata.labels", "a valid label must be an empty string");
        HasError(errors, FieldErrorType.Invalid, "metadata.labels", "a qualified name must consist");
        HasError(errors, FieldErrorType.Invalid, "metadata.annotations", "prefix part must be non-empty");
        HasError(errors, FieldErrorType.Invalid, "metadata.finalizers", "neither a standard finalizer name");
        HasError(errors, FieldErrorType.Invalid, "metadata.ownerReferences.kind", "kind must not be empty");
        HasError(errors, FieldErrorType.Invalid, "metadata.ownerReferences.uid", "uid must not be empty");
    }

    [Fact]
    public void ValidateCreate_HugeAnnotations_TooLong()
    {
        var big = new string('x', 300 * 1024);
        var (_, errors) = Create(_configMaps, """{"metadata":{"name":"cm","namespace":"default","annotations":{"big":"@big@"}}}""".Replace("@big@", big, StringComparison.Ordinal));
        HasError(errors, FieldErrorType.TooLong, "metadata.annotations", "262144");
    }

    [Fact]
    public void ValidateCreate_GenerateNameWithTrailingDash_Valid()
    {
        var (_, errors) = Create(_configMaps, """{"metadata":{"name":"web-x7k2p","generateName":"web-","namespace":"default"}}""");
        Assert.Empty(errors);
    }

    [Fact]
    public void ValidateUpdate_UidChanged_Immutable()
    {
        var old = Stored(_configMaps, """{"metadata":{"name":"cm","namespace":"default"}}""");
        var (_, errors) = Update(_configMaps, old, o => o["metadata"]!["uid"] = "other");
        HasError(errors, FieldErrorType.Invalid, "metadata.uid", "field is immutable");
    }

    [Fact]
    public void ValidateCreate_TwoControllerOwners_Invalid()
    {
        var (_, errors) = Create(_configMaps, """
            {"metadata":{"name":"cm","namespace":"default","ownerReferences":[
              {"apiVersion":"v1","kind":"A","name":"a","uid":"1","controller":true},
              {"apiVersion":"v1","kind":"B","name":"b","uid":"2","controller":true}]}}
            """);
        HasError(errors, FieldErrorType.Invalid, "metadata.ownerReferences", "Only one reference can have Controller set to true");
    }

    [Fact]
    public void ValidateUpdate_UidLeftOut_Accepted()
    {
        var old = Stored(_configMaps, """{"metadata":{"name":"cm","namespace":"default"}}""");
        var (_, errors) = Update(_configMaps, old, o => o["metadata"]!.AsObject().Remove("uid"));
        Assert.Empty(errors);
    }
}
