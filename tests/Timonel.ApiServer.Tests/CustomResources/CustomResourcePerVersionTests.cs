using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// A CRD whose two served versions differ in schema (types, defaults, CEL rules, pruning),
/// printer columns, selectableFields and subresources, with conversion None: each request is
/// pruned, defaulted and validated in its own version, stored pruned to the storage version's
/// schema, and read back pruned to the version asked for; kubectl prints, explains and selects
/// by each version's own definition.
/// </summary>
public sealed class CustomResourcePerVersionTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private KubectlRunner Kubectl(string binary = KubectlRunner.Latest) => new(binary, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("crdpv-home-").FullName);

    private static async Task<KubectlRun> OkAsync(KubectlRunner kubectl, params string[] args)
    {
        var run = await kubectl.RunAsync(args, null, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        return run;
    }

    private static JsonObject Prop(string type, params (string Key, JsonNode? Value)[] extra)
    {
        var prop = new JsonObject { ["type"] = type };
        foreach (var (key, value) in extra)
        {
            prop[key] = value;
        }

        return prop;
    }

    /// <summary>
    /// v1 (storage): spec.size (integer, default 1, no maximum) and spec.color, and keeps unknown
    /// spec fields; status only; columns SIZE, COLOR; selectable spec.color.
    /// v2: spec.size (maximum 10, default 5) and spec.shape (enum, default round), a CEL rule,
    /// prunes unknown fields; status and scale; columns SHAPE, SIZE; selectable spec.shape.
    /// </summary>
    internal static JsonObject GadgetCrd(string group)
    {
        var crd = Crds.Crd(group, "gadgets", "Gadget");
        var v1 = new JsonObject
        {
            ["name"] = "v1",
            ["served"] = true,
            ["storage"] = true,
            ["schema"] = new JsonObject
            {
                ["openAPIV3Schema"] = Prop("object", ("properties", new JsonObject
                {
                    ["spec"] = Prop("object",
                        ("x-kubernetes-preserve-unknown-fields", true),
                        ("properties", new JsonObject
                        {
                            ["size"] = Prop("integer", ("default", 1)),
                            ["color"] = Prop("string", ("description", "The colour of a v1 gadget.")),
                            ["replicas"] = Prop("integer"),
                        })),
                    ["status"] = Prop("object", ("x-kubernetes-preserve-unknown-fields", true)),
                })),
            },
            ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
            ["additionalPrinterColumns"] = new JsonArray(
                new JsonObject { ["name"] = "Size", ["type"] = "integer", ["jsonPath"] = ".spec.size" },
                new JsonObject { ["name"] = "Color", ["type"] = "string", ["jsonPath"] = ".spec.color" }),
            ["selectableFields"] = new JsonArray(new JsonObject { ["jsonPath"] = ".spec.color" }),
        };
        var v2 = new JsonObject
        {
            ["name"] = "v2",
            ["served"] = true,
            ["storage"] = false,
            ["schema"] = new JsonObject
            {
                ["openAPIV3Schema"] = Prop("object", ("properties", new JsonObject
                {
                    ["spec"] = Prop("object",
                        ("x-kubernetes-validations", new JsonArray(new JsonObject { ["rule"] = "self.shape != 'square' || self.size >= 2", ["message"] = "square gadgets need size >= 2" })),
                        ("properties", new JsonObject
                        {
                            ["size"] = Prop("integer", ("default", 5), ("maximum", 10)),
                            ["shape"] = Prop("string", ("default", "round"), ("enum", new JsonArray("round", "square")), ("description", "The shape of a v2 gadget.")),
                            ["replicas"] = Prop("integer"),
                        })),
                    ["status"] = Prop("object", ("x-kubernetes-preserve-unknown-fields", true)),
                })),
            },
            ["subresources"] = new JsonObject
            {
                ["status"] = new JsonObject(),
                ["scale"] = new JsonObject { ["specReplicasPath"] = ".spec.replicas", ["statusReplicasPath"] = ".status.replicas" },
            },
            ["additionalPrinterColumns"] = new JsonArray(
                new JsonObject { ["name"] = "Shape", ["type"] = "string", ["jsonPath"] = ".spec.shape" },
                new JsonObject { ["name"] = "Size", ["type"] = "integer", ["jsonPath"] = ".spec.size" }),
            ["selectableFields"] = new JsonArray(new JsonObject { ["jsonPath"] = ".spec.shape" }),
        };
        crd["spec"]!["versions"] = new JsonArray(v1, v2);
        return crd;
    }

    private static JsonObject Gadget(string group, string version, string name, JsonObject spec) => new()
    {
        ["apiVersion"] = $"{group}/{version}",
        ["kind"] = "Gadget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    private async Task<(string Group, string Ns)> SetUpAsync()
    {
        var group = $"pv{Guid.NewGuid().ToString("N")[..6]}.example.com";
        await Crds.EstablishAsync(fx.Client, GadgetCrd(group));
        return (group, await fx.NamespaceAsync("pv"));
    }

    [Fact]
    public async Task Create_InEachVersion_ValidatedPrunedAndDefaultedByThatVersionsSchema()
    {
        var (group, ns) = await SetUpAsync();
        string Path(string version) => $"/apis/{group}/{version}/namespaces/{ns}/gadgets";

        // v2's maximum and CEL rule refuse what v1 accepts.
        var tooBig = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Path("v2"), Gadget(group, "v2", "big", new JsonObject { ["size"] = 20 })));
        ApiAssert.Failure(tooBig, 422, "Invalid", "spec.size: Invalid value: 20: spec.size in body should be less than or equal to 10");
        var square = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Path("v2"), Gadget(group, "v2", "sq", new JsonObject { ["shape"] = "square", ["size"] = 1 })));
        ApiAssert.Failure(square, 422, "Invalid", "square gadgets need size >= 2");
        ApiAssert.Code(201, await fx.Client.PostAsync(Path("v1"), Gadget(group, "v1", "big", new JsonObject { ["size"] = 20 })));
        ApiAssert.Code(201, await fx.Client.PostAsync(Path("v1"), Gadget(group, "v1", "sq", new JsonObject { ["shape"] = "square", ["size"] = 1 })));

        // Written in v2: v2's defaults, unknown fields (color is not v2's) pruned before storage.
        var created = await fx.Client.PostAsync(Path("v2"), Gadget(group, "v2", "b", new JsonObject { ["color"] = "blue", ["junk"] = 1 }));
        ApiAssert.Code(201, created);
        var spec = created.Object["spec"]!;
        Assert.Equal(5, spec["size"]!.GetValue<int>());
        Assert.Equal("round", spec["shape"]!.GetValue<string>());
        Assert.Null(spec["color"]);
        Assert.Null(spec["junk"]);

        // Written in v1: v1's default, and v1 keeps unknown spec fields.
        var a = await fx.Client.PostAsync(Path("v1"), Gadget(group, "v1", "a", new JsonObject { ["color"] = "red", ["junk"] = 1 }));
        ApiAssert.Code(201, a);
        Assert.Equal(1, a.Object["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(1, a.Object["spec"]!["junk"]!.GetValue<int>());
        Assert.Null(a.Object["spec"]!["shape"]);

        // Read in the other version: pruned to that version's schema (v2 drops color and junk).
        var aInV2 = (await fx.Client.GetAsync($"{Path("v2")}/a")).Object;
        Assert.Equal($"{group}/v2", aInV2["apiVersion"]!.GetValue<string>());
        Assert.Equal(1, aInV2["spec"]!["size"]!.GetValue<int>());
        Assert.Null(aInV2["spec"]!["color"]);
        Assert.Null(aInV2["spec"]!["junk"]);
        var bInV1 = (await fx.Client.GetAsync($"{Path("v1")}/b")).Object;
        Assert.Equal("round", bInV1["spec"]!["shape"]!.GetValue<string>());
        Assert.Equal(5, bInV1["spec"]!["size"]!.GetValue<int>());

        // An update in v2 of an object stored from v1 is validated by v2's rule (oldSelf read in v2).
        var update = await fx.Client.PatchAsync($"{Path("v2")}/a", "{\"spec\":{\"shape\":\"square\",\"size\":1}}", ApiClient.MergePatch);
        ApiAssert.Failure(update, 422, "Invalid", "square gadgets need size >= 2");
        ApiAssert.Code(200, await fx.Client.PatchAsync($"{Path("v2")}/a", "{\"spec\":{\"shape\":\"square\",\"size\":3}}", ApiClient.MergePatch));
        var patched = (await fx.Client.GetAsync($"{Path("v1")}/a")).Object;
        Assert.Equal("square", patched["spec"]!["shape"]!.GetValue<string>());
        // The patch read the object in v2, which knows neither color nor junk: with conversion None
        // what one version's schema lacks does not survive a write through it (as upstream).
        Assert.Null(patched["spec"]!["junk"]);
        Assert.Null(patched["spec"]!["color"]);
    }

    [Fact]
    public async Task Kubectl_EachVersion_OwnColumnsExplainFieldSelectorsAndSubresources()
    {
        var (group, ns) = await SetUpAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v1/namespaces/{ns}/gadgets", Gadget(group, "v1", "red1", new JsonObject { ["color"] = "red", ["size"] = 7 })));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v2/namespaces/{ns}/gadgets", Gadget(group, "v2", "sq2", new JsonObject { ["shape"] = "square", ["size"] = 4 })));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v2/namespaces/{ns}/gadgets", Gadget(group, "v2", "round2", new JsonObject())));
        var kubectl = Kubectl();

        var v1Table = await OkAsync(kubectl, "get", $"gadgets.v1.{group}", "-n", ns);
        var v2Table = await OkAsync(kubectl, "get", $"gadgets.v2.{group}", "-n", ns);
        Assert.Contains("COLOR", v1Table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("SHAPE", v1Table.Stdout, StringComparison.Ordinal);
        Assert.Contains("SHAPE", v2Table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("COLOR", v2Table.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"round2\s+round\s+5", v2Table.Stdout);
        Assert.Matches(@"sq2\s+square\s+4", v2Table.Stdout);

        var explainV1 = await OkAsync(kubectl, "explain", $"gadgets.spec", "--api-version", $"{group}/v1");
        var explainV2 = await OkAsync(kubectl, "explain", $"gadgets.spec", "--api-version", $"{group}/v2");
        Assert.Contains("color", explainV1.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("shape", explainV1.Stdout, StringComparison.Ordinal);
        Assert.Contains("shape", explainV2.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("color", explainV2.Stdout, StringComparison.Ordinal);

        // spec.shape is selectable in v2 only; spec.color in v1 only.
        var round = await OkAsync(kubectl, "get", $"gadgets.v2.{group}", "-n", ns, "--field-selector", "spec.shape=round", "-o", "name");
        Assert.Equal($"gadget.{group}/round2", round.Stdout.Trim());
        var squares = await OkAsync(kubectl, "get", $"gadgets.v2.{group}", "-n", ns, "--field-selector", "spec.shape!=round", "-o", "name");
        Assert.Equal([$"gadget.{group}/red1", $"gadget.{group}/sq2"], squares.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray());
        var red = await OkAsync(kubectl, "get", $"gadgets.v1.{group}", "-n", ns, "--field-selector", "spec.color=red", "-o", "name");
        Assert.Equal($"gadget.{group}/red1", red.Stdout.Trim());
        var shapeInV1 = await kubectl.RunAsync(["get", $"gadgets.v1.{group}", "-n", ns, "--field-selector", "spec.shape=round"], null, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, shapeInV1.ExitCode);
        Assert.Contains("field label not supported: spec.shape", shapeInV1.Stderr, StringComparison.Ordinal);
        var colorInV2 = await kubectl.RunAsync(["get", $"gadgets.v2.{group}", "-n", ns, "--field-selector", "spec.color=red"], null, TimeSpan.FromSeconds(60));
        Assert.Contains("field label not supported: spec.color", colorInV2.Stderr, StringComparison.Ordinal);

        // Subresources per version: scale in v2 only (discovery and requests).
        var v1Resources = (await fx.Client.GetAsync($"/apis/{group}/v1")).Object["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        var v2Resources = (await fx.Client.GetAsync($"/apis/{group}/v2")).Object["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("gadgets/status", v1Resources);
        Assert.DoesNotContain("gadgets/scale", v1Resources);
        Assert.Contains("gadgets/scale", v2Resources);
        ApiAssert.Code(404, await fx.Client.GetAsync($"/apis/{group}/v1/namespaces/{ns}/gadgets/red1/scale"));
        ApiAssert.Code(200, await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/gadgets/red1/scale"));
        await OkAsync(kubectl, "scale", $"gadgets.v2.{group}", "sq2", "-n", ns, "--replicas=3");
        Assert.Equal(3, (await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/gadgets/sq2")).Object["spec"]!["replicas"]!.GetValue<int>());
    }
}
