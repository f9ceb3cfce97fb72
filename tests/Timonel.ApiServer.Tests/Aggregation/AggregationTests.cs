using System.Net;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Aggregation;

/// <summary>
/// API aggregation as kube-apiserver's aggregator does it, driven with the real kubectl: an
/// extension API server registered with an APIService (kubectl apply) is proxied to with the
/// front-proxy certificate and X-Remote-* headers, shows in discovery (kubectl api-resources,
/// kubectl get), answers 503 while unavailable with upstream's conditions, leaves discovery
/// when its APIService is deleted, and is never dialled off loopback.
/// </summary>
public sealed class AggregationTests(AggregationFixture fx) : IClassFixture<AggregationFixture>
{
    private const string Version = "v1alpha1";

    [Theory]
    [InlineData(KubectlRunner.Latest, "wardle.example.dev")]
    [InlineData(KubectlRunner.Oldest, "wardle127.example.dev")]
    public async Task KubectlGet_AggregatedResource_ProxiedWithFrontProxyIdentity(string binary, string group)
    {
        var ns = await fx.NamespaceAsync("agg");
        await using var backend = await ExtensionApiServer.StartAsync(group, Version, $"flunder-api.{ns}.svc", await fx.RequestHeaderCaAsync(), ["flunder-one", "flunder-two"]);
        await fx.ServeAtAsync(ns, "flunder-api", "127.0.0.1", backend.Port);
        var kubectl = Kubectl(binary);

        var applied = await kubectl.RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "flunder-api", backend.CaBundleBase64));
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        var condition = await fx.WaitForReasonAsync($"{Version}.{group}", "Passed");
        Assert.Equal("True", ApiResponse.Str(condition["status"]));
        Assert.Equal("all checks passed", ApiResponse.Str(condition["message"]));

        var resources = await kubectl.RunAsync("api-resources", "--api-group", group, "--no-headers");
        Assert.True(resources.ExitCode == 0, resources.Stderr);
        Assert.Matches($@"^flunders\s+fl\s+{System.Text.RegularExpressions.Regex.Escape(group)}/v1alpha1\s+true\s+Flunder", resources.Stdout.Trim());

        var listed = await kubectl.RunAsync("get", "flunders", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}");
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        Assert.Equal("flunder-one flunder-two", listed.Stdout);
        var got = await kubectl.RunAsync("get", "fl", "flunder-two", "-n", ns);
        Assert.True(got.ExitCode == 0, got.Stderr);
        Assert.Contains("flunder-two", got.Stdout);

        var seen = backend.Requests.Where(r => r.Path.EndsWith("/flunders/flunder-two", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(seen);
        Assert.All(seen, r =>
        {
            Assert.Equal("system:admin", r.User);
            Assert.Equal(["system:masters", "system:authenticated"], r.Groups);
            Assert.Equal("front-proxy-client", r.ClientCommonName);
            Assert.False(r.HadAuthorization);
        });
        Assert.Contains(backend.Requests, r => r.User == "system:kube-aggregator" && r.Path == $"/apis/{group}/{Version}");
        Assert.Contains(fx.Dialled, IPAddress.IsLoopback);
        Assert.Empty(backend.Refused);
    }

    [Fact]
    public async Task Proxy_BackendErrorsAndImpersonation_PassThroughAsTheBackendSaid()
    {
        const string group = "errors.example.dev";
        var ns = await fx.NamespaceAsync("agg-err");
        await using var backend = await ExtensionApiServer.StartAsync(group, Version, $"api.{ns}.svc", await fx.RequestHeaderCaAsync(), ["one"]);
        await fx.ServeAtAsync(ns, "api", "127.0.0.1", backend.Port);
        Assert.Equal(0, (await Kubectl().RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "api", backend.CaBundleBase64))).ExitCode);
        await fx.WaitForReasonAsync($"{Version}.{group}", "Passed");

        var missing = await fx.Client.GetAsync($"/apis/{group}/{Version}/namespaces/{ns}/flunders/nope");
        Assert.Equal(404, missing.Code);
        Assert.Equal($"/apis/{group}/{Version}/namespaces/{ns}/flunders/nope not found", missing.Message);

        // The user the backend sees is the one this server authorized: the impersonated one, with its extras.
        var impersonated = await fx.Client.SendWithHeadersAsync(HttpMethod.Get, $"/apis/{group}/{Version}/namespaces/{ns}/flunders/one", null, null,
            ("Impersonate-User", "jane"), ("Impersonate-Group", "devs"), ("Impersonate-Extra-Scopes.example", "a b"), ("X-Remote-User", "mallory"));
        Assert.Equal(200, impersonated.Code);
        var seen = backend.Requests.Last(r => r.Path.EndsWith("/flunders/one", StringComparison.Ordinal));
        Assert.Equal("jane", seen.User);
        Assert.Equal(["devs", "system:authenticated"], seen.Groups);
        Assert.Equal(["X-Remote-Extra-scopes.example=a b"], seen.Extra);
    }

    [Fact]
    public async Task Proxy_WatchAndWebSocket_StreamAndUpgradeThrough()
    {
        const string group = "stream.example.dev";
        var ns = await fx.NamespaceAsync("agg-stream");
        await using var backend = await ExtensionApiServer.StartAsync(group, Version, $"api.{ns}.svc", await fx.RequestHeaderCaAsync(), ["first", "second"]);
        await fx.ServeAtAsync(ns, "api", "127.0.0.1", backend.Port);
        Assert.Equal(0, (await Kubectl().RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "api", backend.CaBundleBase64))).ExitCode);
        await fx.WaitForReasonAsync($"{Version}.{group}", "Passed");

        // The first event arrives while the backend still holds the response open: it streams.
        await using (var watch = await fx.Client.WatchAsync($"/apis/{group}/{Version}/namespaces/{ns}/flunders?watch=true", CancellationToken.None))
        {
            Assert.Equal("first", ApiResponse.Str((await watch.NextAsync())?["object"]?["metadata"]?["name"]));
            backend.ReleaseWatch.SetResult();
            Assert.Equal("second", ApiResponse.Str((await watch.NextAsync())?["object"]?["metadata"]?["name"]));
            Assert.Null(await watch.NextLineAsync());
        }

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + fx.Host.Pki.AdminToken);
        socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new Uri($"{fx.Host.Url.Replace("https://", "wss://", StringComparison.Ordinal)}/apis/{group}/{Version}/namespaces/{ns}/flunders/first/echo"), timeout.Token);
        Assert.Equal("hello system:admin", await ReceiveTextAsync(socket, timeout.Token));
        await socket.SendAsync("ping"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, timeout.Token);
        Assert.Equal("ping", await ReceiveTextAsync(socket, timeout.Token));
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    private static async Task<string> ReceiveTextAsync(System.Net.WebSockets.ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    [Fact]
    public async Task Unavailable_ServiceMissingThenNoEndpoints_ConditionsAnd503()
    {
        const string group = "missing.example.dev";
        var ns = await fx.NamespaceAsync("agg-missing");
        var name = $"{Version}.{group}";
        var applied = await Kubectl().RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "nowhere", caBundle: null, insecure: true));
        Assert.True(applied.ExitCode == 0, applied.Stderr);

        var notFound = await fx.WaitForReasonAsync(name, "ServiceNotFound");
        Assert.Equal("False", ApiResponse.Str(notFound["status"]));
        Assert.Equal($"service/nowhere in \"{ns}\" is not present", ApiResponse.Str(notFound["message"]));
        var refused = await fx.Client.GetAsync($"/apis/{group}/{Version}/namespaces/{ns}/flunders");
        Assert.Equal(503, refused.Code);
        Assert.Equal("service unavailable\n", refused.Text);

        var listed = await Kubectl().RunAsync("get", "apiservice", name);
        Assert.Contains($"{ns}/nowhere", listed.Stdout);
        Assert.Contains("False (ServiceNotFound)", listed.Stdout);

        await fx.ServeAtAsync(ns, "nowhere", "127.0.0.1", 1, ready: false);
        var noEndpoints = await fx.WaitForReasonAsync(name, "MissingEndpoints");
        Assert.Equal($"endpointslices for service/nowhere in \"{ns}\" have no addresses with port name \"\"", ApiResponse.Str(noEndpoints["message"]));
        Assert.Equal(503, (await fx.Client.GetAsync($"/apis/{group}/{Version}/namespaces/{ns}/flunders")).Code);

        var discovery = await fx.Client.GetAsync("/apis");
        Assert.Contains(discovery.Object["groups"]!.AsArray(), g => ApiResponse.Str(g?["name"]) == group);
        var aggregated = await fx.Client.GetAsync("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        Assert.DoesNotContain(aggregated.Object["items"]!.AsArray(), g => ApiResponse.Str(g?["metadata"]?["name"]) == group);
    }

    [Fact]
    public async Task Endpoint_OffLoopbackOrOnSimulatedNode_RefusedWithoutDialling()
    {
        const string group = "offbox.example.dev";
        var ns = await fx.NamespaceAsync("agg-offbox");
        var name = $"{Version}.{group}";
        await using var backend = await ExtensionApiServer.StartAsync(group, Version, $"api.{ns}.svc", await fx.RequestHeaderCaAsync(), ["one"]);
        await fx.ServeAtAsync(ns, "api", "127.0.0.1", backend.Port);
        Assert.Equal(0, (await Kubectl().RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "api", backend.CaBundleBase64))).ExitCode);
        await fx.WaitForReasonAsync(name, "Passed");
        Assert.Contains(backend.Requests, r => r.Path == $"/apis/{group}/{Version}");

        // The same APIService, its endpoint moved off the machine: refused before any packet.
        var slices = await fx.Client.GetAsync($"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices");
        foreach (var slice in slices.Object["items"]!.AsArray())
        {
            Assert.Equal(200, (await fx.Client.DeleteAsync($"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices/{ApiResponse.Str(slice!["metadata"]!["name"])}")).Code);
        }

        await fx.SliceAsync(ns, "api", "192.0.2.10", backend.Port);
        var failed = await fx.WaitForReasonAsync(name, "FailedDiscoveryCheck");
        Assert.Equal("False", ApiResponse.Str(failed["status"]));
        Assert.Contains("failing or missing response from https://192.0.2.10:", ApiResponse.Str(failed["message"]));
        Assert.Contains("are not allowed from this server", ApiResponse.Str(failed["message"]));
        Assert.Contains(IPAddress.Parse("192.0.2.10"), fx.RefusedDials);
        Assert.DoesNotContain(IPAddress.Parse("192.0.2.10"), fx.Dialled);
        Assert.Equal(503, (await fx.Client.GetAsync($"/apis/{group}/{Version}/namespaces/{ns}/flunders")).Code);

        // A loopback address on a simulated node is refused too: simulated nodes have no network.
        var node = "sim-agg-" + ns;
        Assert.Equal(201, (await fx.Client.PostAsync("/api/v1/nodes", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = node, ["labels"] = new JsonObject { ["timonel.dev/simulated"] = "true" } },
        })).Code);
        slices = await fx.Client.GetAsync($"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices");
        foreach (var slice in slices.Object["items"]!.AsArray())
        {
            await fx.Client.DeleteAsync($"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices/{ApiResponse.Str(slice!["metadata"]!["name"])}");
        }

        var before = backend.Requests.Count;
        await fx.SliceAsync(ns, "api", "127.0.0.1", backend.Port, nodeName: node);
        await Eventually.WaitAsync(
            async _ => ApiResponse.Str((await fx.AvailableAsync(name))?["message"])?.Contains("simulated nodes", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(30),
            "the check to refuse the simulated node's endpoint");
        Assert.Equal($"the endpoints of service \"api\" are on simulated nodes (label timonel.dev/simulated=true), which have no network to reach", ApiResponse.Str((await fx.AvailableAsync(name))!["message"]));
        Assert.Equal(before, backend.Requests.Count);
    }

    [Fact]
    public async Task DeleteApiService_GroupLeavesDiscovery()
    {
        const string group = "gone.example.dev";
        var ns = await fx.NamespaceAsync("agg-gone");
        await using var backend = await ExtensionApiServer.StartAsync(group, Version, $"api.{ns}.svc", await fx.RequestHeaderCaAsync(), ["one"]);
        await fx.ServeAtAsync(ns, "api", "127.0.0.1", backend.Port);
        var kubectl = Kubectl();
        Assert.Equal(0, (await kubectl.RunAsync(["apply", "-f", "-"], AggregationFixture.ApiServiceYaml(group, Version, ns, "api", backend.CaBundleBase64))).ExitCode);
        await fx.WaitForReasonAsync($"{Version}.{group}", "Passed");
        await Eventually.WaitAsync(async _ => await InDiscoveryAsync(group), TimeSpan.FromSeconds(30), "the group to enter discovery");
        var groupDocument = await fx.Client.GetAsync($"/apis/{group}");
        Assert.Equal(200, groupDocument.Code);
        Assert.Equal($"{group}/{Version}", ApiResponse.Str(groupDocument.Body?["preferredVersion"]?["groupVersion"]));

        var deleted = await kubectl.RunAsync("delete", "apiservice", $"{Version}.{group}");
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);

        await Eventually.WaitAsync(async _ => !await InDiscoveryAsync(group), TimeSpan.FromSeconds(30), "the group to leave discovery");
        Assert.Equal(404, (await fx.Client.GetAsync($"/apis/{group}")).Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"/apis/{group}/{Version}/namespaces/{ns}/flunders")).Code);
        var resources = await Kubectl().RunAsync("api-resources", "--api-group", group, "--no-headers");
        Assert.Equal("", resources.Stdout.Trim());
    }

    [Theory]
    [InlineData("name: v1.other.example.dev", "metadata.name: Invalid value: \"v1.other.example.dev\": must be `spec.version+\".\"+spec.group`: \"v1.bad.example.dev\"")]
    [InlineData("groupPriorityMinimum: 0", "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000")]
    [InlineData("versionPriority: 1001", "spec.versionPriority: Invalid value: 1001: must be positive and less than 1000")]
    [InlineData("insecureSkipTLSVerify: true", "spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present")]
    [InlineData("port: 70000", "spec.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive")]
    [InlineData("namespace: \"\"", "spec.service.namespace: Required value")]
    [InlineData("local: true", "spec.caBundle: Invalid value: \"3 bytes\": local APIServices may not have a caBundle")]
    public async Task CreateApiService_BadInput_422WithUpstreamMessage(string change, string expected)
    {
        var spec = new JsonObject
        {
            ["group"] = "bad.example.dev",
            ["version"] = "v1",
            ["groupPriorityMinimum"] = 1000,
            ["versionPriority"] = 15,
            ["caBundle"] = Convert.ToBase64String("abc"u8.ToArray()),
            ["service"] = new JsonObject { ["namespace"] = "default", ["name"] = "api", ["port"] = 443 },
        };
        var metadata = new JsonObject { ["name"] = "v1.bad.example.dev" };
        var (key, value) = (change[..change.IndexOf(':')], change[(change.IndexOf(':') + 2)..]);
        switch (key)
        {
            case "name": metadata["name"] = value; break;
            case "port": spec["service"]!["port"] = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "namespace": spec["service"]!["namespace"] = ""; break;
            case "local": spec.Remove("service"); break;
            case "insecureSkipTLSVerify": spec[key] = true; break;
            default: spec[key] = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var revision = await fx.RevisionAsync();
        var created = await fx.Client.PostAsync("/apis/apiregistration.k8s.io/v1/apiservices", new JsonObject { ["metadata"] = metadata, ["spec"] = spec });

        Assert.Equal(422, created.Code);
        Assert.Contains(expected, created.Message);
        Assert.Equal(revision, await fx.RevisionAsync());
    }

    private async Task<bool> InDiscoveryAsync(string group)
    {
        var legacy = await fx.Client.GetAsync("/apis");
        var aggregated = await fx.Client.GetAsync("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        var inLegacy = legacy.Object["groups"]!.AsArray().Any(g => ApiResponse.Str(g?["name"]) == group);
        var inAggregated = aggregated.Object["items"]!.AsArray().Any(g => ApiResponse.Str(g?["metadata"]?["name"]) == group);
        Assert.Equal(inLegacy, inAggregated);
        return inLegacy;
    }

    private KubectlRunner Kubectl(string binary = KubectlRunner.Latest) => new(binary, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("agg-home-").FullName);
}
