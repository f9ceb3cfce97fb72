using Timonel.E2E.Tests.Infrastructure;

namespace Timonel.E2E.Tests;

/// <summary>The core workflow with kubectl 1.27, the oldest client Timonel supports.</summary>
[Collection(E2ECollection.Name)]
public sealed class OldestKubectlTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubectl Kubectl => fixture.OldestKubectl;

    [Fact]
    public async Task CreateNamespace_Kubectl127_NamespaceIsActive()
    {
        KubectlAssert.Succeeds(await Kubectl.RunAsync("create", "namespace", "old-create-ns"));

        var phase = KubectlAssert.Succeeds(await Kubectl.RunAsync("get", "namespace", "old-create-ns", "-o", "jsonpath={.status.phase}"));
        Assert.Equal("Active", phase.Stdout);
    }

    // kubectl 1.27 apply/create -f/edit/diff/explain fetch /openapi/v2 accepting only the protobuf
    // form (application/com.github.proto-openapi.spec.v2@v1.0+protobuf); the server answers 406, the
    // fallback /swagger-2.0.0.pb-v1 is 404, and kubectl reports "the server could not find the requested resource".
    [Fact]
    public async Task Apply_Kubectl127_CreatesThenReportsUnchanged()
    {
        const string Ns = "old-apply";
        KubectlAssert.Succeeds(await Kubectl.RunAsync("create", "namespace", Ns));

        var apply = KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns)));
        KubectlAssert.StdoutContains(apply, "deployment.apps/web created");
        KubectlAssert.StdoutContains(apply, "secret/web-secret created");

        var again = KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns)));
        KubectlAssert.StdoutContains(again, "deployment.apps/web unchanged");
        KubectlAssert.StdoutContains(again, "configmap/web-config unchanged");
    }

    [Fact]
    public async Task CoreWorkflow_Kubectl127_GetLabelPatchScaleDelete()
    {
        const string Ns = "old-core";
        KubectlAssert.Succeeds(await Kubectl.RunAsync("create", "namespace", Ns));
        // Set up with the newest kubectl: 1.27 apply is covered (and blocked) above.
        KubectlAssert.Succeeds(await fixture.Kubectl.ApplyAsync(Manifests.WebApp(Ns)));

        var get = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "deployments,services,configmaps,secrets"));
        Assert.Matches(@"deployment\.apps/web\s+0/2", get.Stdout);
        Assert.Matches(@"service/web\s+ClusterIP", get.Stdout);
        Assert.Contains("configmap/web-config", get.Stdout, StringComparison.Ordinal);
        Assert.Contains("secret/web-secret", get.Stdout, StringComparison.Ordinal);
        Assert.Equal("2", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "web-config", "tier=old"));
        Assert.Equal("old", await Kubectl.JsonPathAsync(Ns, "configmap/web-config", "{.metadata.labels.tier}"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "web-config", "tier-"));
        Assert.Equal(string.Empty, await Kubectl.JsonPathAsync(Ns, "configmap/web-config", "{.metadata.labels.tier}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "patch", "configmap", "web-config", "-p", """{"data":{"key":"patched"}}"""));
        Assert.Equal("patched", await Kubectl.JsonPathAsync(Ns, "configmap/web-config", "{.data.key}"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "patch", "deployment", "web", "--type=merge", "-p", """{"spec":{"replicas":4}}"""));
        Assert.Equal("4", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "patch", "deployment", "web", "--type=json", "-p", """[{"op":"replace","path":"/spec/replicas","value":3}]"""));
        Assert.Equal("3", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "scale", "deployment/web", "--replicas=5"));
        Assert.Equal("5", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "delete", "configmap", "web-config", "--wait"));
        KubectlAssert.Fails(await Kubectl.RunAsync("-n", Ns, "get", "configmap", "web-config"), "NotFound");
        KubectlAssert.Fails(await Kubectl.RunAsync("-n", Ns, "delete", "configmap", "web-config"), "NotFound");
    }
}
