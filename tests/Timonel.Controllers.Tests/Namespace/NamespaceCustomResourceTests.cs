using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Namespace;

/// <summary>
/// Deleting a namespace with the real kubectl empties its custom resources too: the namespace
/// controller finds them through discovery, so CRDs created after it started count.
/// </summary>
public sealed class NamespaceCustomResourceTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;
    private CustomResourceKubectl _kubectl = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync()
    {
        _harness = await ControllerHarness.StartAsync(null, "namespace");
        _kubectl = new CustomResourceKubectl(_harness);
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task KubectlDeleteNamespace_GatewayApiObjects_DeletedThenNamespaceGone()
    {
        var dir = Path.Combine(CustomResourceKubectl.SharedCrds, "gateway-api");
        // create, not apply: httproutes' CRD is too large for a comfortable last-applied annotation.
        await _kubectl.OkAsync("create",
            "-f", Path.Combine(dir, "gateway.networking.k8s.io_gatewayclasses.yaml"),
            "-f", Path.Combine(dir, "gateway.networking.k8s.io_gateways.yaml"),
            "-f", Path.Combine(dir, "gateway.networking.k8s.io_httproutes.yaml"));
        await _kubectl.OkAsync("wait", "--for", "condition=established", "--timeout=30s",
            "crd/gatewayclasses.gateway.networking.k8s.io", "crd/gateways.gateway.networking.k8s.io", "crd/httproutes.gateway.networking.k8s.io");
        await _kubectl.OkAsync("create", "namespace", "edge");
        await _kubectl.OkAsync("create", "namespace", "bystander");
        await _kubectl.OkAsync("apply", "-n", "edge", "-f", Path.Combine(dir, "examples", "basic-http.yaml"));
        await _kubectl.OkAsync("apply", "-n", "bystander", "-f", Path.Combine(dir, "examples", "basic-http.yaml"));
        Assert.Equal(2, (await _kubectl.NamesAsync("gateways,httproutes", "-n", "edge")).Count);

        await _kubectl.OkAsync("delete", "namespace", "edge", "--timeout=60s");

        Assert.True(await TestObjects.IsGoneAsync(() => Client.CoreV1.ReadNamespaceAsync("edge")));
        // The custom resources went with it (a namespace created again under the name starts empty) ...
        await _kubectl.OkAsync("create", "namespace", "edge");
        Assert.Empty(await _kubectl.NamesAsync("gateways,httproutes", "-n", "edge"));
        // ... and only those of the deleted namespace: another namespace's and the cluster-scoped class stay.
        Assert.Equal(2, (await _kubectl.NamesAsync("gateways,httproutes", "-n", "bystander")).Count);
        Assert.Equal(["gatewayclass.gateway.networking.k8s.io/example"], await _kubectl.NamesAsync("gatewayclasses"));
    }

    [Fact]
    public async Task KubectlDeleteNamespace_CustomResourceWithFinalizer_TerminatingUntilFinalizerRemoved()
    {
        await _kubectl.InstallWidgetsAsync("ns.example.com");
        await _kubectl.OkAsync("create", "namespace", "held");
        await _kubectl.ApplyAsync("""
            apiVersion: ns.example.com/v1
            kind: Widget
            metadata: {name: w, finalizers: [example.com/hold]}
            spec: {size: 1}
            """, "-n", "held");

        await _kubectl.OkAsync("delete", "namespace", "held", "--wait=false");

        var finalizers = await WaitConditionAsync("held", "NamespaceFinalizersRemaining");
        Assert.Equal("SomeFinalizersRemain", finalizers.Reason);
        Assert.Equal("Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances", finalizers.Message);
        var ns = await Client.CoreV1.ReadNamespaceAsync("held");
        Assert.Equal("Terminating", ns.Status.Phase);
        Assert.Contains("kubernetes", ns.Spec.Finalizers);
        var remaining = Assert.Single(ns.Status.Conditions, c => c.Type == "NamespaceContentRemaining");
        Assert.Equal("True", remaining.Status);
        Assert.Equal("Some resources are remaining: widgets.ns.example.com has 1 resource instances", remaining.Message);
        // The widget was deleted, its finalizer holds it.
        Assert.NotEmpty(await _kubectl.OkAsync("get", "widget", "w", "-n", "held", "-o", "jsonpath={.metadata.deletionTimestamp}"));

        await _kubectl.OkAsync("patch", "widget", "w", "-n", "held", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");

        await Eventually.WaitAsync(_ => TestObjects.IsGoneAsync(() => Client.CoreV1.ReadNamespaceAsync("held")), Patience, "namespace held to go");
    }

    private Task<V1NamespaceCondition> WaitConditionAsync(string ns, string type) =>
        Eventually.WaitAsync(async ct =>
        {
            var current = await Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct);
            return current.Status?.Conditions?.FirstOrDefault(c => c.Type == type && c.Status == "True");
        }, Patience, $"condition {type}=True on {ns}");
}
