using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// Per-version schemas and selectable fields of a webhook-converted CRD (Widgets: spec.color in
/// v1, the storage version; spec.colour in v2): a v2 request is validated by v2's schema before
/// it is converted, and field selectors of v2 are evaluated on the objects converted to v2 (the
/// stored objects have no spec.colour at all) in lists and watches.
/// </summary>
public sealed class ConversionWebhookPerVersionTests(ConversionWebhookFixture fx) : IClassFixture<ConversionWebhookFixture>
{
    private static JsonObject Version(string name, bool storage, string field)
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
                            [field] = field == "colour"
                                ? new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("red", "blue", "crimson") }
                                : new JsonObject { ["type"] = "string" },
                            ["replicas"] = new JsonObject { ["type"] = "integer" },
                        },
                    },
                    ["status"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                },
            },
        };
        version["selectableFields"] = new JsonArray(new JsonObject { ["jsonPath"] = $".spec.{field}" });
        version["additionalPrinterColumns"] = new JsonArray(new JsonObject { ["name"] = field, ["type"] = "string", ["jsonPath"] = $".spec.{field}" });
        return version;
    }

    private static JsonObject Widget(string group, string version, string name, string field, string colour) => new()
    {
        ["apiVersion"] = $"{group}/{version}",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { [field] = colour, ["replicas"] = 1 },
    };

    [Fact]
    public async Task Webhook_V2Requests_ValidatedInV2AndSelectedByV2Fields()
    {
        await using var webhook = await ConversionWebhookServer.StartAsync();
        var group = $"convpv-{Guid.NewGuid().ToString("N")[..6]}.example.com";
        var crd = Crds.Crd(group, "widgets", "Widget");
        crd["spec"]!["versions"] = new JsonArray(Version("v1", storage: true, "color"), Version("v2", storage: false, "colour"));
        crd["spec"]!["conversion"] = new JsonObject
        {
            ["strategy"] = "Webhook",
            ["webhook"] = new JsonObject
            {
                ["clientConfig"] = new JsonObject { ["url"] = webhook.Url(), ["caBundle"] = webhook.CaBundle },
                ["conversionReviewVersions"] = new JsonArray("v1"),
            },
        };
        await Crds.EstablishAsync(fx.Client, crd);
        var ns = await fx.NamespaceAsync("convpv");
        string Path(string version) => $"/apis/{group}/{version}/namespaces/{ns}/widgets";

        // v2's enum judges a v2 request, before any conversion (v1 has no enum: green is fine there).
        var calls = webhook.Calls;
        var green = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Path("v2"), Widget(group, "v2", "g", "colour", "green")));
        ApiAssert.Failure(green, 422, "Invalid", "spec.colour: Unsupported value: \"green\"");
        Assert.Equal(calls, webhook.Calls);
        ApiAssert.Code(201, await fx.Client.PostAsync(Path("v1"), Widget(group, "v1", "g", "color", "green")));
        ApiAssert.Code(201, await fx.Client.PostAsync(Path("v1"), Widget(group, "v1", "r", "color", "red")));
        ApiAssert.Code(201, await fx.Client.PostAsync(Path("v2"), Widget(group, "v2", "b", "colour", "blue")));

        // spec.colour exists only once converted to v2.
        var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("convpv-home-").FullName);
        var blue = await kubectl.RunAsync(["get", $"widgets.v2.{group}", "-n", ns, "--field-selector", "spec.colour=blue", "-o", "name"], null, TimeSpan.FromSeconds(60));
        Assert.True(blue.ExitCode == 0, blue.Stderr);
        Assert.Equal($"widget.{group}/b", blue.Stdout.Trim());
        var notRed = await kubectl.RunAsync(["get", $"widgets.v2.{group}", "-n", ns, "--field-selector", "spec.colour!=red", "-o", "name"], null, TimeSpan.FromSeconds(60));
        Assert.Equal([$"widget.{group}/b", $"widget.{group}/g"], notRed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray());
        var inV1 = await kubectl.RunAsync(["get", $"widgets.v1.{group}", "-n", ns, "--field-selector", "spec.color=red", "-o", "name"], null, TimeSpan.FromSeconds(60));
        Assert.Equal($"widget.{group}/r", inV1.Stdout.Trim());
        var table = await kubectl.RunAsync(["get", $"widgets.v2.{group}", "-n", ns], null, TimeSpan.FromSeconds(60));
        Assert.Contains("COLOUR", table.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"r\s+red", table.Stdout);

        // A watch of v2 selects on v2's field too, for the initial state and later changes.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = await fx.Client.WatchAsync($"{Path("v2")}?watch=1&fieldSelector=spec.colour%3Dcrimson", cts.Token);
        ApiAssert.Code(200, await fx.Client.PatchAsync($"{Path("v2")}/r", "{\"spec\":{\"colour\":\"crimson\"}}", ApiClient.MergePatch));
        var added = await watch.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("ADDED", added?["type"]?.GetValue<string>());
        Assert.Equal("r", added!["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("crimson", added["object"]!["spec"]!["colour"]!.GetValue<string>());
    }
}
