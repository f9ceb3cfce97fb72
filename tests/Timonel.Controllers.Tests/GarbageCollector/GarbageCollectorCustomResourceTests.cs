using k8s;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.GarbageCollector;

/// <summary>
/// The garbage collector with custom resources, driven by the real kubectl: every CRD here is
/// created after the collector started, so each test also shows it picks up new CRDs without a
/// restart. Owners and dependents both ways (a custom resource owned by a ConfigMap, Pods owned
/// by a custom resource) under background, foreground and orphan propagation.
/// </summary>
public sealed class GarbageCollectorCustomResourceTests : IAsyncLifetime
{
    private const string Group = "gc.example.com";
    private const string Widgets = "widgets." + Group;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;
    private CustomResourceKubectl _kubectl = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync()
    {
        _harness = await ControllerHarness.StartAsync(null, "garbagecollector");
        _kubectl = new CustomResourceKubectl(_harness);
        await _kubectl.InstallWidgetsAsync(Group);
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _harness.DisposeAsync();
    }

    private async Task<string> WidgetAsync(string ns, string name, string? ownerConfigMap = null)
    {
        var owner = ownerConfigMap is null
            ? ""
            : $"\n  ownerReferences: [{{apiVersion: v1, kind: ConfigMap, name: {ownerConfigMap}, uid: {await _kubectl.UidAsync("configmap", ownerConfigMap, ns)}}}]";
        await _kubectl.ApplyAsync($$"""
            apiVersion: {{Group}}/v1
            kind: Widget
            metadata:
              name: {{name}}{{owner}}
            spec: {size: 3}
            """, "-n", ns);
        return await _kubectl.UidAsync(Widgets, name, ns);
    }

    private Task DependentAsync(string ns, string kind, string name, string widget, string widgetUid, string extraMetadata = "") => _kubectl.ApplyAsync($$"""
        apiVersion: v1
        kind: {{kind}}
        metadata:
          name: {{name}}
          ownerReferences: [{apiVersion: {{Group}}/v1, kind: Widget, name: {{widget}}, uid: {{widgetUid}}, blockOwnerDeletion: true}]{{extraMetadata}}
        {{(kind == "Pod" ? "spec: {containers: [{name: c, image: busybox}]}" : "data: {k: v}")}}
        """, "-n", ns);

    private async Task WaitGoneAsync(string ns, params string[] objects) =>
        await Eventually.WaitAsync(async _ => (await _kubectl.NamesAsync([.. objects, "-n", ns, "--ignore-not-found"])).Count == 0, Patience, $"{string.Join(",", objects)} in {ns} to go");

    [Fact]
    public async Task DeleteConfigMap_OwnsCustomResource_CustomResourceCollected()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-cr-dep");
        await _kubectl.OkAsync("create", "configmap", "owner", "-n", ns);
        await WidgetAsync(ns, "owned", ownerConfigMap: "owner");
        await WidgetAsync(ns, "free");

        await _kubectl.OkAsync("delete", "configmap", "owner", "-n", ns);

        await WaitGoneAsync(ns, $"{Widgets}/owned");
        Assert.Equal(["widget.gc.example.com/free"], await _kubectl.NamesAsync(Widgets, "-n", ns));
    }

    [Fact]
    public async Task DeleteCustomResource_Background_PodsItOwnsCollected()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-cr-bg");
        var uid = await WidgetAsync(ns, "owner");
        await DependentAsync(ns, "Pod", "p1", "owner", uid);
        await DependentAsync(ns, "Pod", "p2", "owner", uid);
        await _kubectl.OkAsync("run", "bystander", "--image=busybox", "-n", ns);

        await _kubectl.OkAsync("delete", Widgets, "owner", "-n", ns, "--cascade=background");

        await WaitGoneAsync(ns, "pod/p1", "pod/p2");
        Assert.Equal(["pod/bystander"], await _kubectl.NamesAsync("pods", "-n", ns));
    }

    [Fact]
    public async Task DeleteCustomResource_Foreground_WaitsForBlockingDependentThenGoes()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-cr-fg");
        var uid = await WidgetAsync(ns, "owner");
        await DependentAsync(ns, "ConfigMap", "held", "owner", uid, "\n  finalizers: [example.com/hold]");
        await DependentAsync(ns, "Pod", "p", "owner", uid);

        await _kubectl.OkAsync("delete", Widgets, "owner", "-n", ns, "--cascade=foreground", "--wait=false");

        // The dependents are deleted first; the finalizer holds the ConfigMap, so the owner waits.
        await WaitGoneAsync(ns, "pod/p");
        await Eventually.WaitAsync(async _ => (await _kubectl.OkAsync("get", "configmap", "held", "-n", ns, "-o", "jsonpath={.metadata.deletionTimestamp}")).Length > 0, Patience, "the held ConfigMap to be deleted");
        var owner = await _kubectl.OkAsync("get", Widgets, "owner", "-n", ns, "-o", "jsonpath={.metadata.deletionTimestamp} {.metadata.finalizers}");
        Assert.Contains("foregroundDeletion", owner, StringComparison.Ordinal);

        await _kubectl.OkAsync("patch", "configmap", "held", "-n", ns, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");

        await WaitGoneAsync(ns, $"{Widgets}/owner", "configmap/held");
    }

    [Fact]
    public async Task DeleteCustomResource_Orphan_DependentsKeptWithoutTheReference()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-cr-orphan");
        var uid = await WidgetAsync(ns, "owner");
        await DependentAsync(ns, "Pod", "p", "owner", uid);
        await DependentAsync(ns, "ConfigMap", "c", "owner", uid);

        await _kubectl.OkAsync("delete", Widgets, "owner", "-n", ns, "--cascade=orphan");

        await WaitGoneAsync(ns, $"{Widgets}/owner");
        var pod = await Client.CoreV1.ReadNamespacedPodAsync("p", ns);
        Assert.Null(pod.Metadata.OwnerReferences);
        var configMap = await Client.CoreV1.ReadNamespacedConfigMapAsync("c", ns);
        Assert.Null(configMap.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task SecondCrdAfterStart_OwnerChainThroughBothKinds_Collected()
    {
        // A CRD of another group, created while the collector already watches the first one.
        const string other = "later.example.com";
        await _kubectl.InstallWidgetsAsync(other);
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-cr-later");
        var first = await WidgetAsync(ns, "root");
        await _kubectl.ApplyAsync($$"""
            apiVersion: {{other}}/v1
            kind: Widget
            metadata:
              name: middle
              ownerReferences: [{apiVersion: {{Group}}/v1, kind: Widget, name: root, uid: {{first}}}]
            """, "-n", ns);
        var middle = await _kubectl.UidAsync($"widgets.{other}", "middle", ns);
        await _kubectl.ApplyAsync($$"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: leaf
              ownerReferences: [{apiVersion: {{other}}/v1, kind: Widget, name: middle, uid: {{middle}}}]
            """, "-n", ns);

        await _kubectl.OkAsync("delete", Widgets, "root", "-n", ns);

        await WaitGoneAsync(ns, $"widgets.{other}/middle", "configmap/leaf");
    }

    [Fact]
    public async Task DeleteCrd_ObjectsGoFirstThenTheirDependents()
    {
        const string group = "doomed.example.com";
        await _kubectl.InstallWidgetsAsync(group);
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-crd-del");
        await _kubectl.ApplyAsync($$"""
            apiVersion: {{group}}/v1
            kind: Widget
            metadata:
              name: w
              finalizers: [example.com/hold]
            """, "-n", ns);
        var uid = await _kubectl.UidAsync($"widgets.{group}", "w", ns);
        await _kubectl.ApplyAsync($$"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: dep
              ownerReferences: [{apiVersion: {{group}}/v1, kind: Widget, name: w, uid: {{uid}}}]
            """, "-n", ns);

        await _kubectl.OkAsync("delete", "crd", $"widgets.{group}", "--wait=false");

        // The finalizer on the widget holds the CRD in Terminating.
        await Eventually.WaitAsync(
            async _ => (await _kubectl.OkAsync("get", "crd", $"widgets.{group}", "-o", "jsonpath={.status.conditions[?(@.type==\"Terminating\")].reason}")).Trim() == "InstanceDeletionInProgress",
            Patience,
            "the CRD to be Terminating");
        Assert.Contains("customresourcecleanup.apiextensions.k8s.io", await _kubectl.OkAsync("get", "crd", $"widgets.{group}", "-o", "jsonpath={.metadata.finalizers}"), StringComparison.Ordinal);
        Assert.NotEmpty(await _kubectl.OkAsync("get", $"widgets.{group}", "w", "-n", ns, "-o", "jsonpath={.metadata.deletionTimestamp}"));

        await _kubectl.OkAsync("patch", $"widgets.{group}", "w", "-n", ns, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");

        await Eventually.WaitAsync(async _ => (await _kubectl.RunAsync("get", "crd", $"widgets.{group}")).ExitCode != 0, Patience, "the CRD to go");
        await WaitGoneAsync(ns, "configmap/dep");
    }
}
