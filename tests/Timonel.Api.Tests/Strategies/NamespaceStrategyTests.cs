using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using static Timonel.Api.Tests.Strategies.StrategyHarness;
using Xunit;
using Timonel.Registry.Strategies;

namespace Timonel.Api.Tests.Strategies;

public class NamespaceStrategyTests
{
    private readonly NamespaceStrategy _namespaces = new();

    [Fact]
    public void Create_Namespace_ActiveWithFinalizerAndNameLabel()
    {
        var ns = Stored(_namespaces, """{"metadata":{"name":"team-a"},"status":{"phase":"Terminating"}}""");
        Assert.Equal("Active", (string?)ns["status"]!["phase"]);
        Assert.Equal("kubernetes", (string?)ns["spec"]!["finalizers"]![0]);
        Assert.Equal("team-a", (string?)ns["metadata"]!["labels"]!["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void Create_DottedName_InvalidLabel()
    {
        var (_, errors) = Create(_namespaces, """{"metadata":{"name":"team.a"}}""");
        HasError(errors, FieldErrorType.Invalid, "metadata.name", "a lowercase RFC 1123 label must consist");
    }

    [Fact]
    public void Update_SpecAndStatusFromClient_Ignored()
    {
        var old = Stored(_namespaces, """{"metadata":{"name":"team-a"}}""");
        var (ns, errors) = Update(_namespaces, old, n =>
        {
            n["spec"] = new JsonObject { ["finalizers"] = new JsonArray() };
            n["status"] = new JsonObject { ["phase"] = "Terminating" };
        });
        Assert.Empty(errors);
        Assert.Equal("kubernetes", (string?)ns["spec"]!["finalizers"]![0]);
        Assert.Equal("Active", (string?)ns["status"]!["phase"]);
    }

    [Fact]
    public void PrepareForFinalize_OnlyFinalizersChange()
    {
        var old = Stored(_namespaces, """{"metadata":{"name":"team-a"}}""");
        var obj = (JsonObject)old.DeepClone();
        obj["spec"]!["finalizers"] = new JsonArray();
        obj["status"] = new JsonObject { ["phase"] = "Gone" };
        NamespaceStrategy.PrepareForFinalize(obj, old);
        Assert.Empty(obj["spec"]!["finalizers"]!.AsArray());
        Assert.Equal("Active", (string?)obj["status"]!["phase"]);
    }
}
