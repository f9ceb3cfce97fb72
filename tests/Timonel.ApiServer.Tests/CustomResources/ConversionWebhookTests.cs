using System.Net;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// CRDs with conversion strategy Webhook: Widgets stored in v1 (spec.color) and served in v2
/// (spec.colour) through a test webhook over HTTPS on 127.0.0.1, read and written with the real
/// kubectl and raw requests; a misbehaving webhook gets upstream's messages and nothing is
/// written; service clientConfigs are resolved through Endpoints and dialled only where the
/// dial filter allows.
/// </summary>
public sealed class ConversionWebhookTests(ConversionWebhookFixture fx) : IClassFixture<ConversionWebhookFixture>
{
    private int _groups;

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("conv-home-").FullName);

    private string NewGroup() => $"conv{Interlocked.Increment(ref _groups)}-{Guid.NewGuid().ToString("N")[..6]}.example.com";

    private static JsonObject ConvertedCrd(string group, JsonObject clientConfig, params string[] reviewVersions)
    {
        var crd = Crds.Crd(group, "widgets", "Widget");
        var v1 = Crds.Version("v1", storage: true);
        var v2 = Crds.Version("v2", storage: false);
        crd["spec"]!["versions"] = new JsonArray(v1, v2);
        crd["spec"]!["conversion"] = new JsonObject
        {
            ["strategy"] = "Webhook",
            ["webhook"] = new JsonObject
            {
                ["clientConfig"] = clientConfig,
                ["conversionReviewVersions"] = new JsonArray(reviewVersions.Select(v => (JsonNode)v).ToArray()),
            },
        };
        return crd;
    }

    private static JsonObject UrlConfig(ConversionWebhookServer server) => new() { ["url"] = server.Url(), ["caBundle"] = server.CaBundle };

    private static JsonObject Widget(string group, string version, string name, string field, string colour) => new()
    {
        ["apiVersion"] = $"{group}/{version}",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = name } },
        ["spec"] = new JsonObject { [field] = colour, ["replicas"] = 1 },
    };

    private static async Task<KubectlRun> OkAsync(KubectlRunner kubectl, string? stdin, params string[] args)
    {
        var run = await kubectl.RunAsync(args, stdin, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        return run;
    }

    [Fact]
    public async Task Kubectl_CustomResourceInTwoVersions_ConvertedByWebhookOnReadWriteListAndWatch()
    {
        await using var webhook = await ConversionWebhookServer.StartAsync();
        var group = NewGroup();
        await Crds.EstablishAsync(fx.Client, ConvertedCrd(group, UrlConfig(webhook), "v1"));
        var ns = await fx.NamespaceAsync("conv");
        var kubectl = Kubectl();

        // Written in v1 (the storage version): no conversion needed on the way in.
        await OkAsync(kubectl, Widget(group, "v1", "red", "color", "red").ToJsonString(), "apply", "-n", ns, "-f", "-");
        var v2 = JsonNode.Parse((await OkAsync(kubectl, null, "get", $"widgets.v2.{group}", "red", "-n", ns, "-o", "json")).Stdout)!;
        Assert.Equal($"{group}/v2", v2["apiVersion"]!.GetValue<string>());
        Assert.Equal("red", v2["spec"]!["colour"]!.GetValue<string>());
        Assert.Null(v2["spec"]!["color"]);
        var review = webhook.Reviews[^1];
        Assert.Equal("apiextensions.k8s.io/v1", review["apiVersion"]!.GetValue<string>());
        Assert.Equal($"{group}/v2", review["request"]!["desiredAPIVersion"]!.GetValue<string>());

        // Written in v2: stored in v1 (color), read back in either version.
        await OkAsync(kubectl, Widget(group, "v2", "blue", "colour", "blue").ToJsonString(), "apply", "-n", ns, "-f", "-");
        var stored = await fx.Client.GetAsync($"/apis/{group}/v1/namespaces/{ns}/widgets/blue");
        Assert.Equal("blue", stored.Object["spec"]!["color"]!.GetValue<string>());
        Assert.Null(stored.Object["spec"]!["colour"]);

        // A list in v2: both converted, in one review.
        var calls = webhook.Calls;
        var list = JsonNode.Parse((await OkAsync(kubectl, null, "get", $"widgets.v2.{group}", "-n", ns, "-o", "json")).Stdout)!;
        Assert.Equal(["blue", "red"], list["items"]!.AsArray().Select(i => i!["spec"]!["colour"]!.GetValue<string>()).Order().ToArray());
        Assert.Equal(calls + 1, webhook.Calls);
        var table = await OkAsync(kubectl, null, "get", $"widgets.v2.{group}", "-n", ns);
        Assert.Contains("red", table.Stdout, StringComparison.Ordinal);

        // A merge patch through v2 reads the object in v2, patches it, and stores it in v1.
        await OkAsync(kubectl, null, "patch", $"widgets.v2.{group}", "red", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"colour\":\"crimson\"}}");
        Assert.Equal("crimson", (await fx.Client.GetAsync($"/apis/{group}/v1/namespaces/{ns}/widgets/red")).Object["spec"]!["color"]!.GetValue<string>());

        // A watch in v2 sends converted objects.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = await fx.Client.WatchAsync($"/apis/{group}/v2/namespaces/{ns}/widgets?watch=1&fieldSelector=metadata.name%3Dred", cts.Token);
        var added = await watch.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("ADDED", added?["type"]?.GetValue<string>());
        Assert.Equal("crimson", added!["object"]!["spec"]!["colour"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(WebhookBehaviour.Fail, "failed: widgets in this colour cannot be converted")]
    [InlineData(WebhookBehaviour.Hang, "failed: Post \"https://127.0.0.1:")]
    [InlineData(WebhookBehaviour.WrongUid, "failed: expected response.uid=\"")]
    [InlineData(WebhookBehaviour.WrongCount, "returned 2 objects, expected 1")]
    [InlineData(WebhookBehaviour.Rename, "returned invalid object: must have the same name: w != renamed")]
    public async Task Webhook_Misbehaving_ClearStatusAndNothingWritten(WebhookBehaviour behaviour, string message)
    {
        await using var webhook = await ConversionWebhookServer.StartAsync();
        var group = NewGroup();
        await Crds.EstablishAsync(fx.Client, ConvertedCrd(group, UrlConfig(webhook), "v1"));
        var ns = await fx.NamespaceAsync("conv-bad");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v1/namespaces/{ns}/widgets", Widget(group, "v1", "w", "color", "red")));
        // The webhook works first: the failures below are its own, not the setup's.
        ApiAssert.Code(200, await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/widgets/w"));
        webhook.Behaviour = behaviour;

        var read = await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/widgets/w");
        Assert.Equal(500, read.Code);
        Assert.StartsWith($"conversion webhook for {group}/v1, Kind=Widget ", read.Message, StringComparison.Ordinal);
        Assert.Contains(message, read.Message, StringComparison.Ordinal);
        if (behaviour == WebhookBehaviour.Hang)
        {
            Assert.Contains("context deadline exceeded", read.Message, StringComparison.Ordinal);
        }

        var created = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/apis/{group}/v2/namespaces/{ns}/widgets", Widget(group, "v2", "w2", "colour", "blue")));
        ApiAssert.Failure(created, 500, "InternalError", $"Internal error occurred: conversion webhook for {group}/v2, Kind=Widget ");
        var updated = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"/apis/{group}/v2/namespaces/{ns}/widgets/w", "{\"spec\":{\"colour\":\"green\"}}", ApiClient.MergePatch));
        Assert.Equal(500, updated.Code);
        Assert.Equal("red", (await fx.Client.GetAsync($"/apis/{group}/v1/namespaces/{ns}/widgets/w")).Object["spec"]!["color"]!.GetValue<string>());

        // kubectl shows upstream's words on stderr.
        var kubectl = await Kubectl().RunAsync(["get", $"widgets.v2.{group}", "w", "-n", ns], null, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, kubectl.ExitCode);
        Assert.Contains($"Error from server: conversion webhook for {group}/v1, Kind=Widget ", kubectl.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_ChangesMetadata_OnlyLabelsAndAnnotationsKept()
    {
        await using var webhook = await ConversionWebhookServer.StartAsync();
        var group = NewGroup();
        await Crds.EstablishAsync(fx.Client, ConvertedCrd(group, UrlConfig(webhook), "v1beta1", "v1"));
        var ns = await fx.NamespaceAsync("conv-meta");
        var created = await fx.Client.PostAsync($"/apis/{group}/v1/namespaces/{ns}/widgets", Widget(group, "v1", "w", "color", "red"));
        ApiAssert.Code(201, created);
        webhook.Behaviour = WebhookBehaviour.Relabel;

        var read = await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/widgets/w");

        ApiAssert.Code(200, read);
        Assert.Equal("yes", read.Object["metadata"]!["labels"]!["converted"]!.GetValue<string>());
        Assert.Equal(created.Object["metadata"]!["generation"]!.GetValue<long>(), read.Object["metadata"]!["generation"]!.GetValue<long>());
        // conversionReviewVersions lists v1beta1 first: the review is sent in it.
        Assert.Equal("apiextensions.k8s.io/v1beta1", webhook.Reviews[^1]["apiVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task ServiceClientConfig_ResolvedThroughEndpoints_LoopbackDialledOthersRefusedUndialled()
    {
        var ns = await fx.NamespaceAsync("conv-svc");
        await using var webhook = await ConversionWebhookServer.StartAsync($"conv-webhook.{ns}.svc");
        var service = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/services", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "conv-webhook" },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = 9443 }) },
        });
        ApiAssert.Code(201, service);
        await PutEndpointsAsync(ns, "127.0.0.1", webhook.Port, nodeName: null);
        var group = NewGroup();
        var config = new JsonObject
        {
            ["service"] = new JsonObject { ["namespace"] = ns, ["name"] = "conv-webhook", ["path"] = "/convert", ["port"] = 443 },
            ["caBundle"] = webhook.CaBundle,
        };
        await Crds.EstablishAsync(fx.Client, ConvertedCrd(group, config, "v1"));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v1/namespaces/{ns}/widgets", Widget(group, "v1", "w", "color", "red")));

        // Loopback endpoint: dialled, and the certificate is checked against <name>.<namespace>.svc.
        var ok = await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/widgets/w");
        ApiAssert.Code(200, ok);
        Assert.Equal("red", ok.Object["spec"]!["colour"]!.GetValue<string>());
        Assert.Contains((IPAddress.Loopback, true), fx.Dials);
        var calls = webhook.Calls;

        // An endpoint outside loopback: the dial filter refuses it, and no connection is made.
        var outside = IPAddress.Parse("10.255.0.9");
        await PutEndpointsAsync(ns, outside.ToString(), webhook.Port, nodeName: null);
        var refused = await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/widgets/w");
        Assert.Equal(500, refused.Code);
        Assert.Contains($"Post \"https://conv-webhook.{ns}.svc:443/convert?timeout=2s\": connections to conv-webhook.{ns}.svc (10.255.0.9) are not allowed from this server", refused.Message, StringComparison.Ordinal);
        Assert.Contains((outside, false), fx.Dials);
        Assert.Equal(calls, webhook.Calls);

        // An endpoint of a pod on a simulated node: never chosen, not even put to the filter.
        var node = await fx.Client.PostAsync("/api/v1/nodes", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"sim-{ns}", ["labels"] = new JsonObject { ["timonel.dev/simulated"] = "true" } },
        });
        ApiAssert.Code(201, node);
        var simulated = IPAddress.Parse("10.255.0.10");
        await PutEndpointsAsync(ns, simulated.ToString(), webhook.Port, nodeName: $"sim-{ns}");
        var skipped = await fx.Client.GetAsync($"/apis/{group}/v2/namespaces/{ns}/widgets/w");
        Assert.Equal(500, skipped.Code);
        Assert.Contains("pods on simulated nodes", skipped.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.Dials, d => d.Address.Equals(simulated));
        Assert.Equal(calls, webhook.Calls);
    }

    private async Task PutEndpointsAsync(string ns, string ip, int port, string? nodeName)
    {
        var address = new JsonObject { ["ip"] = ip };
        if (nodeName is not null)
        {
            address["nodeName"] = nodeName;
        }

        var endpoints = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "conv-webhook" },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(address),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port }),
            }),
        };
        var existing = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/endpoints/conv-webhook");
        if (existing.Code == 404)
        {
            ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/endpoints", endpoints));
            return;
        }

        endpoints["metadata"]!["resourceVersion"] = existing.ResourceVersion;
        ApiAssert.Code(200, await fx.Client.PutAsync($"/api/v1/namespaces/{ns}/endpoints/conv-webhook", endpoints));
    }
}
