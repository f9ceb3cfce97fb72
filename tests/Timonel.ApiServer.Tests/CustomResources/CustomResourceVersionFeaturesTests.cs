using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// Per-version CRD features with the real kubectl: deprecated versions' Warning headers
/// (upstream's default text and a custom one) and selectableFields (field selectors on custom
/// fields for list and watch, upstream's errors for unknown labels and invalid declarations).
/// </summary>
public sealed class CustomResourceVersionFeaturesTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private KubectlRunner Kubectl(string binary = KubectlRunner.Latest) => new(binary, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("crdver-home-").FullName);

    private static JsonObject StructuralVersion(string name, bool storage, params string[] selectable)
    {
        var version = Crds.Version(name, storage);
        version["schema"] = new JsonObject
        {
            ["openAPIV3Schema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["color"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("red", "blue", "green") },
                            ["size"] = new JsonObject { ["type"] = "integer" },
                            ["enabled"] = new JsonObject { ["type"] = "boolean" },
                            ["replicas"] = new JsonObject { ["type"] = "integer" },
                            ["weight"] = new JsonObject { ["type"] = "number" },
                            ["parts"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                            ["labels"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                        },
                    },
                    ["status"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                },
            },
        };
        version["selectableFields"] = new JsonArray(selectable.Select(p => (JsonNode)new JsonObject { ["jsonPath"] = p }).ToArray());
        return version;
    }

    [Theory]
    [InlineData(KubectlRunner.Latest)]
    [InlineData(KubectlRunner.Oldest)]
    public async Task Kubectl_DeprecatedVersions_PrintUpstreamsWarnings(string binary)
    {
        var group = $"dep{Guid.NewGuid().ToString("N")[..6]}.example.com";
        var crd = Crds.Crd(group, "widgets", "Widget");
        var v1 = Crds.Version("v1", storage: true);
        var v1beta1 = Crds.Version("v1beta1", storage: false);
        v1beta1["deprecated"] = true;
        var v1alpha1 = Crds.Version("v1alpha1", storage: false);
        v1alpha1["deprecated"] = true;
        v1alpha1["deprecationWarning"] = "v1alpha1 widgets melt in the sun; move to v1";
        crd["spec"]!["versions"] = new JsonArray(v1, v1beta1, v1alpha1);
        await Crds.EstablishAsync(fx.Client, crd);
        var ns = await fx.NamespaceAsync("dep");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v1/namespaces/{ns}/widgets", Crds.Widget(group, "w")));
        var kubectl = Kubectl(binary);

        var current = await kubectl.RunAsync(["get", $"widgets.v1.{group}", "-n", ns], null, TimeSpan.FromSeconds(60));
        var beta = await kubectl.RunAsync(["get", $"widgets.v1beta1.{group}", "w", "-n", ns, "-o", "name"], null, TimeSpan.FromSeconds(60));
        var alpha = await kubectl.RunAsync(["get", $"widgets.v1alpha1.{group}", "-n", ns], null, TimeSpan.FromSeconds(60));

        Assert.True(current.ExitCode == 0, current.Stderr);
        Assert.DoesNotContain("Warning:", current.Stderr, StringComparison.Ordinal);
        Assert.True(beta.ExitCode == 0, beta.Stderr);
        Assert.Contains($"Warning: {group}/v1beta1 Widget is deprecated; use {group}/v1 Widget", beta.Stderr, StringComparison.Ordinal);
        Assert.True(alpha.ExitCode == 0, alpha.Stderr);
        Assert.Contains("Warning: v1alpha1 widgets melt in the sun; move to v1", alpha.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_SelectableFields_FilterListAndWatch()
    {
        var group = $"sel{Guid.NewGuid().ToString("N")[..6]}.example.com";
        var crd = Crds.Crd(group, "widgets", "Widget");
        crd["spec"]!["versions"] = new JsonArray(StructuralVersion("v1", storage: true, ".spec.color", ".spec.size", ".spec.enabled"));
        await Crds.EstablishAsync(fx.Client, crd);
        var ns = await fx.NamespaceAsync("sel");
        foreach (var (name, color, size, enabled) in new[] { ("a", "red", 3, true), ("b", "blue", 3, false), ("c", "red", 5, false) })
        {
            var widget = new JsonObject
            {
                ["apiVersion"] = $"{group}/v1",
                ["kind"] = "Widget",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject { ["color"] = color, ["size"] = size, ["enabled"] = enabled },
            };
            ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v1/namespaces/{ns}/widgets", widget));
        }

        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v1/namespaces/{ns}/widgets", new JsonObject
        {
            ["apiVersion"] = $"{group}/v1",
            ["kind"] = "Widget",
            ["metadata"] = new JsonObject { ["name"] = "d" },
        }));
        var kubectl = Kubectl();

        async Task<string[]> NamesAsync(string selector)
        {
            var run = await kubectl.RunAsync(["get", "widgets." + group, "-n", ns, "--field-selector", selector, "-o", "name"], null, TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, run.Stderr);
            return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.LastIndexOf('/') + 1)..]).Order().ToArray();
        }

        Assert.Equal(["a", "c"], await NamesAsync("spec.color=red"));
        Assert.Equal(["a", "b"], await NamesAsync("spec.size=3"));
        Assert.Equal(["a"], await NamesAsync("spec.enabled=true,spec.color==red"));
        Assert.Equal(["b"], await NamesAsync("spec.color!=red,spec.enabled=false"));
        // An absent field reads as "", whatever its type.
        Assert.Equal(["d"], await NamesAsync("spec.size="));
        Assert.Equal(["a", "b", "c", "d"], await NamesAsync("metadata.namespace=" + ns));

        var unknown = await kubectl.RunAsync(["get", "widgets." + group, "-n", ns, "--field-selector", "spec.replicas=1"], null, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("field label not supported: spec.replicas", unknown.Stderr, StringComparison.Ordinal);
        var badRequest = await fx.Client.GetAsync($"/apis/{group}/v1/namespaces/{ns}/widgets?fieldSelector=spec.replicas%3D1");
        ApiAssert.Failure(badRequest, 400, "BadRequest", "field label not supported: spec.replicas");

        // A watch with the selector sees only matching objects, including later changes.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = await fx.Client.WatchAsync($"/apis/{group}/v1/namespaces/{ns}/widgets?watch=1&fieldSelector=spec.color%3Dblue", cts.Token);
        var first = await watch.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("b", first!["object"]!["metadata"]!["name"]!.GetValue<string>());
        ApiAssert.Code(200, await fx.Client.PatchAsync($"/apis/{group}/v1/namespaces/{ns}/widgets/c", "{\"spec\":{\"color\":\"blue\"}}", ApiClient.MergePatch));
        var next = await watch.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("c", next!["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_InvalidSelectableFields_Is422WithUpstreamsMessages()
    {
        var group = $"selbad{Guid.NewGuid().ToString("N")[..6]}.example.com";
        var crd = Crds.Crd(group, "widgets", "Widget");
        crd["spec"]!["versions"] = new JsonArray(StructuralVersion("v1", storage: true,
            ".spec.missing", ".spec.weight", ".metadata.name", ".spec.color", ".spec.color", ".spec.parts", ".spec.labels['x']"));

        var created = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Crds.Path, crd));

        ApiAssert.Failure(created, 422, "Invalid",
            "spec.versions[0].selectableFields[0].jsonPath: Invalid value: \".spec.missing\": is an invalid path",
            "spec.versions[0].selectableFields[1].jsonPath: Invalid value: \".spec.weight\": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.",
            "spec.versions[0].selectableFields[2].jsonPath: Invalid value: \".metadata.name\": is an invalid path",
            "spec.versions[0].selectableFields[4].jsonPath: Duplicate value: \".spec.color\"",
            "spec.versions[0].selectableFields[5].jsonPath: Invalid value: \".spec.parts\": must point to a field of type string, boolean or integer");
        Assert.DoesNotContain("selectableFields[3]", created.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("selectableFields[6]", created.Message, StringComparison.Ordinal);

        var tooMany = Crds.Crd(group, "widgets", "Widget");
        var paths = Enumerable.Range(0, 9).Select(i => $".spec.f{i}").ToArray();
        var version = StructuralVersion("v1", storage: true, paths);
        var props = version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!.AsObject();
        foreach (var p in paths)
        {
            props[p[6..]] = new JsonObject { ["type"] = "string" };
        }

        tooMany["spec"]!["versions"] = new JsonArray(version);
        var many = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Crds.Path, tooMany));
        ApiAssert.Failure(many, 422, "Invalid", "spec.versions[0].selectableFields: Too many: 9: must have at most 8 items");

        var kubectl = await Kubectl().RunAsync(["create", "-f", "-"], crd.ToJsonString(), TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, kubectl.ExitCode);
        Assert.Contains("must point to a field of type string, boolean or integer", kubectl.Stderr, StringComparison.Ordinal);
    }
}
