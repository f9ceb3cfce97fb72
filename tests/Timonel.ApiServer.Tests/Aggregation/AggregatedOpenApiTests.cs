using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Aggregation;

/// <summary>
/// The aggregator's OpenAPI: an extension API server's /openapi/v2 and /openapi/v3 documents are
/// fetched and merged into the server's own, so the real kubectl explains its resource; they are
/// fetched again periodically (the fixture: every second), a backend whose OpenAPI fails keeps
/// its last documents and never breaks the server's, and a deleted APIService's leave.
/// </summary>
public sealed class AggregatedOpenApiTests(AggregationFixture fx) : IClassFixture<AggregationFixture>
{
    private const string Version = "v1alpha1";

    private KubectlRunner Kubectl(string binary = KubectlRunner.Latest) => new(binary, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("aggoa-home-").FullName);

    private async Task<JsonObject> V2Async()
    {
        var v2 = await fx.Client.GetAsync("/openapi/v2");
        Assert.Equal(200, v2.Code);
        return v2.Object;
    }

    [Theory]
    [InlineData(KubectlRunner.Latest, "explain.wardle.example.dev")]
    [InlineData(KubectlRunner.Oldest, "explain127.wardle.example.dev")]
    public async Task KubectlExplain_AggregatedResource_FromTheBackendsOpenApi(string binary, string group)
    {
        var ns = await fx.NamespaceAsync("aggoa");
        await using var backend = await ExtensionApiServer.StartAsync(group, Version, $"flunder-api.{ns}.svc", await fx.RequestHeaderCaAsync(), ["flunder-one"]);
        await fx.ServeAtAsync(ns, "flunder-api", "127.0.0.1", backend.Port);
        var definition = $"{group}.{Version}.Flunder";
        // Not there before the APIService exists: what follows shows the merge, not a leftover.
        Assert.Null((await V2Async())["definitions"]![definition]);

        var kubectl = Kubectl(binary);
        var applied = await kubectl.RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "flunder-api", backend.CaBundleBase64));
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        await fx.WaitForReasonAsync($"{Version}.{group}", "Passed");
        await Eventually.WaitAsync(async _ => (await V2Async())["definitions"]![definition] is not null, TimeSpan.FromSeconds(30), "the backend's definitions in /openapi/v2");

        var v2 = await V2Async();
        Assert.NotNull(v2["paths"]![$"/apis/{group}/{Version}/namespaces/{{namespace}}/flunders"]);
        // The backend's ObjectMeta differs from the server's: it is renamed and its $ref follows.
        var metaRef = v2["definitions"]![definition]!["properties"]!["metadata"]!["$ref"]!.GetValue<string>();
        Assert.StartsWith("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta_v", metaRef, StringComparison.Ordinal);
        Assert.Equal("The wardle server's own ObjectMeta.", v2["definitions"]![metaRef["#/definitions/".Length..]]!["description"]!.GetValue<string>());
        Assert.NotEqual("The wardle server's own ObjectMeta.", v2["definitions"]!["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["description"]?.GetValue<string>());
        var index = await fx.Client.GetAsync("/openapi/v3");
        var url = index.Object["paths"]![$"apis/{group}/{Version}"]!["serverRelativeURL"]!.GetValue<string>();
        var v3 = await fx.Client.GetAsync(url);
        Assert.Equal(200, v3.Code);
        Assert.NotNull(v3.Object["components"]!["schemas"]![definition]);

        var explain = await kubectl.RunAsync(["explain", "flunders.spec"], null, TimeSpan.FromSeconds(60));
        Assert.True(explain.ExitCode == 0, explain.Stderr);
        Assert.Contains("What the flunder wants.", explain.Stdout, StringComparison.Ordinal);
        Assert.Contains("reference", explain.Stdout, StringComparison.Ordinal);

        // Fetched again periodically: a changed document shows.
        backend.SpecDescription = "What the flunder wants now.";
        await Eventually.WaitAsync(
            async _ => (await V2Async())["definitions"]![definition]!["properties"]!["spec"]!["description"]!.GetValue<string>() == "What the flunder wants now.",
            TimeSpan.FromSeconds(30),
            "the changed document to be fetched");
        var again = await Kubectl(binary).RunAsync(["explain", "flunders.spec"], null, TimeSpan.FromSeconds(60));
        Assert.Contains("What the flunder wants now.", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackendOpenApiFails_LastDocumentsKept_DeletedApiServiceLeaves()
    {
        const string group = "flaky.wardle.example.dev";
        var ns = await fx.NamespaceAsync("aggoa-flaky");
        await using var backend = await ExtensionApiServer.StartAsync(group, Version, $"api.{ns}.svc", await fx.RequestHeaderCaAsync(), ["one"]);
        await fx.ServeAtAsync(ns, "api", "127.0.0.1", backend.Port);
        var definition = $"{group}.{Version}.Flunder";
        Assert.Equal(0, (await Kubectl().RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "api", backend.CaBundleBase64))).ExitCode);
        await fx.WaitForReasonAsync($"{Version}.{group}", "Passed");
        await Eventually.WaitAsync(async _ => (await V2Async())["definitions"]![definition] is not null, TimeSpan.FromSeconds(30), "the backend's definitions in /openapi/v2");

        // The backend's OpenAPI breaks: it is asked again (and fails) a few times, and what it
        // published last stays; the server's own documents keep being served.
        backend.OpenApiBroken = true;
        var asked = backend.Requests.Count(r => r.Path == "/openapi/v2");
        await Eventually.WaitAsync(_ => Task.FromResult(backend.Requests.Count(r => r.Path == "/openapi/v2") >= asked + 2), TimeSpan.FromSeconds(30), "two more fetches of the broken /openapi/v2");
        var kept = await V2Async();
        Assert.NotNull(kept["definitions"]![definition]);
        Assert.NotNull(kept["definitions"]!["io.k8s.api.core.v1.Pod"]);
        var index = await fx.Client.GetAsync("/openapi/v3");
        Assert.NotNull(index.Object["paths"]![$"apis/{group}/{Version}"]);
        Assert.NotNull(index.Object["paths"]!["api/v1"]);
        Assert.Equal(200, (await fx.Client.GetAsync($"/openapi/v3/apis/{group}/{Version}")).Code);

        // Deleted: its documents leave.
        Assert.Equal(0, (await Kubectl().RunAsync("delete", "apiservice", $"{Version}.{group}")).ExitCode);
        await Eventually.WaitAsync(async _ => (await V2Async())["definitions"]![definition] is null, TimeSpan.FromSeconds(30), "the backend's definitions to leave /openapi/v2");
        Assert.Null((await fx.Client.GetAsync("/openapi/v3")).Object["paths"]![$"apis/{group}/{Version}"]);
        Assert.Equal(404, (await fx.Client.GetAsync($"/openapi/v3/apis/{group}/{Version}")).Code);
    }
}
