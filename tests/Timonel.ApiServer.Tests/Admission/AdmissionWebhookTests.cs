using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.ApiServer.Tests.CustomResources;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Admission;

/// <summary>
/// Validating and mutating admission webhooks called over HTTPS on 127.0.0.1 (a test webhook
/// with its own CA), registered by URL and by Service: refusals and their messages, failure
/// policies, timeouts, selectors, dryRun, JSONPatch mutation, through raw requests and the real
/// kubectl. Each test's webhooks select only its own namespace (by a label) and are removed at
/// its end, so the tests of this class do not see each other's webhooks.
/// </summary>
public sealed class AdmissionWebhookTests(ConversionWebhookFixture fx) : IClassFixture<ConversionWebhookFixture>
{
    private const string Validating = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";
    private const string Mutating = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("adm-home-").FullName);

    private async Task<string> LabelledNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        ApiAssert.Code(201, await fx.Client.PostAsync("/api/v1/namespaces", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["webhook-test"] = name } },
        }));
        return name;
    }

    private static JsonObject ForNamespace(string ns) => new() { ["matchLabels"] = new JsonObject { ["webhook-test"] = ns } };

    private static JsonObject Rule(string resource, params string[] operations) => new()
    {
        ["apiGroups"] = new JsonArray(""),
        ["apiVersions"] = new JsonArray("v1"),
        ["resources"] = new JsonArray(resource),
        ["operations"] = new JsonArray(operations.Select(o => (JsonNode)o).ToArray()),
    };

    private static JsonObject Webhook(string name, JsonObject clientConfig, JsonObject rule, JsonObject? namespaceSelector, string sideEffects = "None") => new()
    {
        ["name"] = name,
        ["clientConfig"] = clientConfig,
        ["rules"] = new JsonArray(rule),
        ["namespaceSelector"] = namespaceSelector,
        ["sideEffects"] = sideEffects,
        ["admissionReviewVersions"] = new JsonArray("v1"),
    };

    private static JsonObject UrlConfig(AdmissionWebhookServer server, string path) => new() { ["url"] = server.Url(path), ["caBundle"] = server.CaBundle };

    /// <summary>Registers the webhooks; the returned handle removes the configuration.</summary>
    private async Task<Registration> RegisterAsync(string collection, params JsonObject[] webhooks)
    {
        var name = $"cfg-{Guid.NewGuid().ToString("N")[..8]}";
        var created = await fx.Client.PostAsync(collection, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["webhooks"] = new JsonArray(webhooks.Select(w => (JsonNode)w).ToArray()),
        });
        ApiAssert.Code(201, created);
        return new Registration(fx.Client, $"{collection}/{name}");
    }

    private sealed class Registration(ApiClient client, string path) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => ApiAssert.Code(200, await client.DeleteAsync(path));
    }

    private static JsonObject ConfigMap(string name, JsonObject? labels = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
        ["data"] = new JsonObject { ["k"] = "v" },
    };

    private static async Task<KubectlRun> OkAsync(KubectlRunner kubectl, params string[] args)
    {
        var run = await kubectl.RunAsync(args, null, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        return run;
    }

    [Fact]
    public async Task Validating_ByUrl_AllowsDeniesWithMessageAndCodeAndSendsTheReview()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-deny");
        server.Answer("/validate", request =>
            request["object"]!["metadata"]!["name"]!.GetValue<string>() switch
            {
                "bad" => AdmissionWebhookServer.Deny("bad configmaps are not welcome"),
                "forbidden" => AdmissionWebhookServer.Deny("not yours", 403),
                _ => new JsonObject { ["allowed"] = true, ["warnings"] = new JsonArray("configmaps are watched") },
            });
        await using var registration = await RegisterAsync(Validating, Webhook("deny.example.com", UrlConfig(server, "/validate"), Rule("configmaps", "CREATE"), ForNamespace(ns)));

        var allowed = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("good"));
        ApiAssert.Code(201, allowed);
        Assert.Contains("299 - \"configmaps are watched\"", allowed.Headers.GetValues("Warning"));
        var review = Assert.Single(server.Requests("/validate"));
        Assert.Equal("CREATE", review["operation"]!.GetValue<string>());
        Assert.Equal("ConfigMap", review["kind"]!["kind"]!.GetValue<string>());
        Assert.Equal("v1", review["resource"]!["version"]!.GetValue<string>());
        Assert.Equal("configmaps", review["resource"]!["resource"]!.GetValue<string>());
        Assert.Equal(ns, review["namespace"]!.GetValue<string>());
        Assert.Equal("good", review["name"]!.GetValue<string>());
        Assert.Equal("system:admin", review["userInfo"]!["username"]!.GetValue<string>());
        Assert.False(review["dryRun"]!.GetValue<bool>());
        Assert.Equal("CreateOptions", review["options"]!["kind"]!.GetValue<string>());
        Assert.Equal("v", review["object"]!["data"]!["k"]!.GetValue<string>());

        var revision = await fx.RevisionAsync();
        var denied = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("bad"));
        Assert.Equal(400, denied.Code);
        Assert.Equal("admission webhook \"deny.example.com\" denied the request: bad configmaps are not welcome", denied.Message);
        Assert.Equal(revision, await fx.RevisionAsync());
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/bad"));

        var forbidden = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("forbidden"));
        Assert.Equal(403, forbidden.Code);
        Assert.Equal("admission webhook \"deny.example.com\" denied the request: not yours", forbidden.Message);

        // The real kubectl shows the refusal as upstream's.
        var run = await Kubectl().RunAsync(["create", "configmap", "bad", "-n", ns, "--from-literal=k=v"], null, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("admission webhook \"deny.example.com\" denied the request: bad configmaps are not welcome", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validating_Delete_DeniedObjectStays_UpdateGetsOldObject()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-del");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("keep")));
        server.Answer("/validate", request => request["operation"]!.GetValue<string>() == "DELETE" ? AdmissionWebhookServer.Deny("keep it") : AdmissionWebhookServer.Allow());
        await using var registration = await RegisterAsync(Validating, Webhook("keeper.example.com", UrlConfig(server, "/validate"), Rule("configmaps", "UPDATE", "DELETE"), ForNamespace(ns)));

        var patched = await fx.Client.PatchAsync($"/api/v1/namespaces/{ns}/configmaps/keep", "{\"data\":{\"k\":\"w\"}}", ApiClient.MergePatch);
        ApiAssert.Code(200, patched);
        var update = Assert.Single(server.Requests("/validate"));
        Assert.Equal("UPDATE", update["operation"]!.GetValue<string>());
        Assert.Equal("v", update["oldObject"]!["data"]!["k"]!.GetValue<string>());
        Assert.Equal("w", update["object"]!["data"]!["k"]!.GetValue<string>());

        var deleted = await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/configmaps/keep");
        Assert.Equal(400, deleted.Code);
        Assert.Equal("admission webhook \"keeper.example.com\" denied the request: keep it", deleted.Message);
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/keep"));
        Assert.Equal("keep", server.Requests("/validate")[^1]["oldObject"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task FailurePolicy_UnreachableWebhook_FailRefusesIgnoreAdmits()
    {
        var closed = ClosedLoopbackPort();
        var ns = await LabelledNamespaceAsync("adm-fail");
        var config = new JsonObject { ["url"] = $"https://127.0.0.1:{closed}/validate" };
        var failing = Webhook("closed.example.com", config, Rule("configmaps", "CREATE"), ForNamespace(ns));
        await using (await RegisterAsync(Validating, failing))
        {
            var revision = await fx.RevisionAsync();
            var refused = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("a"));
            Assert.Equal(500, refused.Code);
            Assert.Equal($"Internal error occurred: failed calling webhook \"closed.example.com\": failed to call webhook: Post \"https://127.0.0.1:{closed}/validate?timeout=10s\": dial tcp: connect: connection refused", refused.Message);
            Assert.Equal(revision, await fx.RevisionAsync());
        }

        var ignoring = Webhook("closed.example.com", (JsonObject)config.DeepClone(), Rule("configmaps", "CREATE"), ForNamespace(ns));
        ignoring["failurePolicy"] = "Ignore";
        await using (await RegisterAsync(Validating, ignoring))
        {
            ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("a")));
        }
    }

    [Fact]
    public async Task Timeout_SlowWebhook_FailsAfterItsTimeoutSeconds()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        server.Delay = TimeSpan.FromSeconds(20);
        var ns = await LabelledNamespaceAsync("adm-slow");
        var webhook = Webhook("slow.example.com", UrlConfig(server, "/validate"), Rule("configmaps", "CREATE"), ForNamespace(ns));
        webhook["timeoutSeconds"] = 1;
        await using var registration = await RegisterAsync(Validating, webhook);

        var refused = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("slow"));
        Assert.Equal(500, refused.Code);
        Assert.Equal($"Internal error occurred: failed calling webhook \"slow.example.com\": failed to call webhook: Post \"https://127.0.0.1:{server.Port}/validate?timeout=1s\": context deadline exceeded", refused.Message);
        // The webhook got the request: the timeout, not a connection failure, refused it.
        Assert.Single(server.Requests("/validate"));
    }

    [Fact]
    public async Task Selectors_NamespaceAndObject_CalledWhereTheyMatchOnly()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-sel");
        var other = await LabelledNamespaceAsync("adm-other");
        var webhook = Webhook("select.example.com", UrlConfig(server, "/validate"), Rule("configmaps", "CREATE"), ForNamespace(ns));
        webhook["objectSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["check"] = "yes" } };
        await using var registration = await RegisterAsync(Validating, webhook);

        // Both selectors match: called.
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("checked", new JsonObject { ["check"] = "yes" })));
        Assert.Equal("checked", Assert.Single(server.Requests("/validate"))["name"]!.GetValue<string>());

        // The object's labels do not match, or the namespace's do not: not called.
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("unchecked", new JsonObject { ["check"] = "no" })));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{other}/configmaps", ConfigMap("elsewhere", new JsonObject { ["check"] = "yes" })));
        Assert.Single(server.Requests("/validate"));
    }

    [Fact]
    public async Task DryRun_SideEffectFreeWebhookToldOfDryRun_SideEffectsSomeRefusedOnWrite()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-dry");
        // admissionregistration.k8s.io/v1 admits only side-effect free webhooks (None, NoneOnDryRun), so no stored webhook can make a dryRun request fail.
        var effects = await fx.Client.PostAsync(Validating, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"effects-{ns}" },
            ["webhooks"] = new JsonArray(Webhook("effects.example.com", UrlConfig(server, "/some"), Rule("configmaps", "CREATE"), ForNamespace(ns), sideEffects: "Some")),
        });
        Assert.Equal(422, effects.Code);
        Assert.Contains("webhooks[0].sideEffects: Unsupported value: \"Some\"", effects.Message, StringComparison.Ordinal);

        server.Answer("/none", _ => AdmissionWebhookServer.Deny("dry or not, no"));
        await using (await RegisterAsync(Validating, Webhook("pure.example.com", UrlConfig(server, "/none"), Rule("configmaps", "CREATE"), ForNamespace(ns), sideEffects: "NoneOnDryRun")))
        {
            var denied = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps?dryRun=All", ConfigMap("dry"));
            Assert.Equal(400, denied.Code);
            Assert.Equal("admission webhook \"pure.example.com\" denied the request: dry or not, no", denied.Message);
            var review = Assert.Single(server.Requests("/none"));
            Assert.True(review["dryRun"]!.GetValue<bool>());
            Assert.Equal("All", review["options"]!["dryRun"]![0]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Mutating_ByService_JsonPatchAddsLabel_VisibleInKubectlGet()
    {
        var ns = await LabelledNamespaceAsync("adm-mut");
        await using var server = await AdmissionWebhookServer.StartAsync($"labeller.{ns}.svc");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/services", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "labeller" },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = 9443 }) },
        }));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/endpoints", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "labeller" },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = server.Port }),
            }),
        }));
        server.Answer("/mutate", _ => AdmissionWebhookServer.Patch(new JsonArray(
            new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = new JsonObject { ["mutated-by"] = "webhook" } })));
        var config = new JsonObject
        {
            ["service"] = new JsonObject { ["namespace"] = ns, ["name"] = "labeller", ["path"] = "/mutate", ["port"] = 443 },
            ["caBundle"] = server.CaBundle,
        };
        await using var registration = await RegisterAsync(Mutating, Webhook("labeller.example.com", config, Rule("configmaps", "CREATE"), ForNamespace(ns)));

        var kubectl = Kubectl();
        await OkAsync(kubectl, "create", "configmap", "plain", "-n", ns, "--from-literal=k=v");
        var got = JsonNode.Parse((await OkAsync(kubectl, "get", "configmap", "plain", "-n", ns, "-o", "json")).Stdout)!;
        Assert.Equal("webhook", got["metadata"]!["labels"]!["mutated-by"]!.GetValue<string>());
        Assert.Equal("v", got["data"]!["k"]!.GetValue<string>());
        Assert.Single(server.Requests("/mutate"));
        // The service's endpoint on loopback was dialled through the filter.
        Assert.Contains((IPAddress.Loopback, true), fx.Dials);
    }

    [Fact]
    public async Task Mutating_PatchBreakingValidation_RefusedByTheStrategy()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-inv");
        server.Answer("/mutate", _ => AdmissionWebhookServer.Patch(new JsonArray(
            new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = new JsonObject { ["bad label!"] = "x" } })));
        await using var registration = await RegisterAsync(Mutating, Webhook("breaker.example.com", UrlConfig(server, "/mutate"), Rule("configmaps", "CREATE"), ForNamespace(ns)));

        var refused = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("broken"));
        Assert.Equal(422, refused.Code);
        Assert.Contains("bad label!", refused.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests("/mutate"));
    }

    [Fact]
    public async Task WebhookConfigurations_NeverSentToWebhooks_SoABrokenOneCanBeRemoved()
    {
        var ns = await LabelledNamespaceAsync("adm-exempt");
        var catchAll = new JsonObject
        {
            ["apiGroups"] = new JsonArray("*"),
            ["apiVersions"] = new JsonArray("*"),
            ["resources"] = new JsonArray("*/*"),
            ["operations"] = new JsonArray("*"),
        };
        var registration = await RegisterAsync(Validating, Webhook("broken.example.com", new JsonObject { ["url"] = $"https://127.0.0.1:{ClosedLoopbackPort()}/" }, catchAll, ForNamespace(ns)));
        // It matches everything in its namespace and every cluster-scoped request ...
        Assert.Equal(500, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("x"))).Code);
        Assert.Equal(500, (await fx.Client.PostAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"r-{ns}" } })).Code);
        // ... but not its own configuration, which can be deleted.
        await registration.DisposeAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("x")));
    }

    [Fact]
    public async Task MatchConditions_CelSkipsWhereFalse_ErrorUnderFailRefuses()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-cel");
        server.Answer("/cel", _ => AdmissionWebhookServer.Deny("checked"));
        var webhook = Webhook("cel.example.com", UrlConfig(server, "/cel"), Rule("configmaps", "CREATE"), ForNamespace(ns));
        webhook["matchConditions"] = new JsonArray(
            new JsonObject { ["name"] = "not-exempt", ["expression"] = "object.metadata.name != 'exempt'" },
            new JsonObject { ["name"] = "by-admin", ["expression"] = "request.userInfo.username == 'system:admin'" });
        await using (await RegisterAsync(Validating, webhook))
        {
            var denied = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("checked"));
            Assert.Equal("admission webhook \"cel.example.com\" denied the request: checked", denied.Message);
            Assert.Single(server.Requests("/cel"));
            ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("exempt")));
            Assert.Single(server.Requests("/cel"));
        }

        var broken = Webhook("cel-error.example.com", UrlConfig(server, "/cel"), Rule("configmaps", "CREATE"), ForNamespace(ns));
        broken["matchConditions"] = new JsonArray(new JsonObject { ["name"] = "broken", ["expression"] = "object.data.missing == 'x'" });
        await using (await RegisterAsync(Validating, broken))
        {
            var refused = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("other"));
            Assert.Equal(500, refused.Code);
            Assert.StartsWith("Internal error occurred: failed calling webhook \"cel-error.example.com\": failed to evaluate match condition \"broken\": ", refused.Message, StringComparison.Ordinal);
            Assert.Single(server.Requests("/cel"));
        }
    }

    [Fact]
    public async Task Mutating_IfNeeded_ReinvokedAfterALaterWebhookChangedTheObject()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-reinvoke");
        server.Answer("/first", request => AddLabel(request, Labels(request).ContainsKey("second") ? "first-saw-second" : "first", "yes"));
        server.Answer("/second", request => AddLabel(request, "second", "yes"));
        var first = Webhook("first.example.com", UrlConfig(server, "/first"), Rule("configmaps", "CREATE"), ForNamespace(ns));
        first["reinvocationPolicy"] = "IfNeeded";
        await using var registration = await RegisterAsync(Mutating, first, Webhook("second.example.com", UrlConfig(server, "/second"), Rule("configmaps", "CREATE"), ForNamespace(ns)));

        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMap("m"));
        ApiAssert.Code(201, created);
        var labels = created.Object["metadata"]!["labels"]!.AsObject();
        Assert.Equal(["first", "first-saw-second", "second"], labels.Select(l => l.Key).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(2, server.Requests("/first").Count);
        Assert.Single(server.Requests("/second"));
    }

    [Fact]
    public async Task Subresource_RuleForNamespacesStatus_CalledForStatusNotForTheObject()
    {
        await using var server = await AdmissionWebhookServer.StartAsync();
        var ns = await LabelledNamespaceAsync("adm-status");
        server.Answer("/status", _ => AdmissionWebhookServer.Deny("status is frozen"));
        await using var registration = await RegisterAsync(Validating, Webhook("status.example.com", UrlConfig(server, "/status"), Rule("namespaces/status", "UPDATE"), ForNamespace(ns)));

        var current = (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}")).Object;
        var status = await fx.Client.PutAsync($"/api/v1/namespaces/{ns}/status", current);
        Assert.Equal(400, status.Code);
        Assert.Equal("admission webhook \"status.example.com\" denied the request: status is frozen", status.Message);
        var review = Assert.Single(server.Requests("/status"));
        Assert.Equal("status", review["subResource"]!.GetValue<string>());
        Assert.Equal("namespaces", review["resource"]!["resource"]!.GetValue<string>());

        ApiAssert.Code(200, await fx.Client.PatchAsync($"/api/v1/namespaces/{ns}", "{\"metadata\":{\"annotations\":{\"a\":\"b\"}}}", ApiClient.MergePatch));
        Assert.Single(server.Requests("/status"));
    }

    private static Dictionary<string, string> Labels(JsonObject request) =>
        request["object"]!["metadata"]!["labels"]?.AsObject().ToDictionary(l => l.Key, l => l.Value!.GetValue<string>()) ?? [];

    // A JSONPatch adding one label, creating metadata.labels when the object has none.
    private static JsonObject AddLabel(JsonObject request, string key, string value) => AdmissionWebhookServer.Patch(Labels(request).Count == 0
        ? new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = new JsonObject { [key] = value } })
        : new JsonArray(new JsonObject { ["op"] = "add", ["path"] = $"/metadata/labels/{key}", ["value"] = value }));

    // A port nothing listens on: bound once and released.
    private static int ClosedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
