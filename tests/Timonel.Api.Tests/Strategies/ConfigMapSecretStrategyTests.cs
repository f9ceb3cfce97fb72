using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using static Timonel.Api.Tests.Strategies.StrategyHarness;
using Xunit;
using Timonel.Registry.Strategies;

namespace Timonel.Api.Tests.Strategies;

public class ConfigMapSecretStrategyTests
{
    private readonly ConfigMapStrategy _configMaps = new();
    private readonly SecretStrategy _secrets = new();

    [Fact]
    public void ConfigMap_Create_KeepsEverythingSent()
    {
        var cm = Stored(_configMaps, """{"metadata":{"name":"app-config","namespace":"default"},"data":{"app.properties":"a=b","LOG_LEVEL":"debug"},"binaryData":{"logo.png":"iVBORw0KGgo="}}""");
        Assert.Equal("debug", (string?)cm["data"]!["LOG_LEVEL"]);
        Assert.NotNull(cm["binaryData"]);
    }

    [Fact]
    public void ConfigMap_BadKeysAndDuplicate_Invalid()
    {
        var (_, errors) = Create(_configMaps, """{"metadata":{"name":"c","namespace":"default"},"data":{"a/b":"x","..x":"y","dup":"z"},"binaryData":{"dup":"eA==","bad":"***"}}""");
        HasError(errors, FieldErrorType.Invalid, "data[a/b]", "a valid config key must consist of alphanumeric characters");
        HasError(errors, FieldErrorType.Invalid, "data[..x]", "must not start with '..'");
        HasError(errors, FieldErrorType.Invalid, "data[dup]", "duplicate of key present in binaryData");
        HasError(errors, FieldErrorType.Invalid, "binaryData[bad]", "base64");
    }

    [Fact]
    public void ConfigMap_OverOneMiB_TooLong()
    {
        var big = new string('x', (1024 * 1024) + 1);
        var (_, errors) = Create(_configMaps, """{"metadata":{"name":"c","namespace":"default"},"data":{"big":"@big@"}}""".Replace("@big@", big, StringComparison.Ordinal));
        HasError(errors, FieldErrorType.TooLong, "data", "1048576");
    }

    [Fact]
    public void ConfigMap_Immutable_DataAndFlagFrozen()
    {
        var old = Stored(_configMaps, """{"metadata":{"name":"c","namespace":"default"},"data":{"a":"1"},"immutable":true}""");
        var (_, dataChange) = Update(_configMaps, old, c => c["data"]!["a"] = "2");
        HasError(dataChange, FieldErrorType.Forbidden, "data", "field is immutable when `immutable` is set");
        var (_, unset) = Update(_configMaps, old, c => c["immutable"] = false);
        HasError(unset, FieldErrorType.Forbidden, "immutable");
        var (_, labels) = Update(_configMaps, old, c => c["metadata"]!["labels"] = new JsonObject { ["x"] = "y" });
        Assert.Empty(labels);
    }

    [Fact]
    public void Secret_Create_DefaultTypeAndStringDataFolded()
    {
        var secret = Stored(_secrets, """{"metadata":{"name":"db","namespace":"default"},"data":{"user":"YWRtaW4="},"stringData":{"password":"s3cret"}}""");
        Assert.Equal("Opaque", (string?)secret["type"]);
        Assert.Equal("czNjcmV0", (string?)secret["data"]!["password"]);
        Assert.Null(secret["stringData"]);
    }

    [Fact]
    public void Secret_BadBase64_InvalidWithoutEchoingValue()
    {
        var (_, errors) = Create(_secrets, """{"metadata":{"name":"db","namespace":"default"},"data":{"password":"not base64!"}}""");
        var error = Assert.Single(errors);
        Assert.Equal("data[password]", error.Field);
        Assert.DoesNotContain("not base64", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_TlsWithoutKey_Required()
    {
        var (_, errors) = Create(_secrets, """{"metadata":{"name":"tls","namespace":"default"},"type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}}""");
        HasError(errors, FieldErrorType.Required, "data[tls.key]");
    }

    [Fact]
    public void Secret_TypeChange_Immutable()
    {
        var old = Stored(_secrets, """{"metadata":{"name":"s","namespace":"default"},"data":{"a":"eA=="}}""");
        var (_, errors) = Update(_secrets, old, s => s["type"] = "kubernetes.io/basic-auth");
        HasError(errors, FieldErrorType.Invalid, "type", "field is immutable");
    }
}
