using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;
using Xunit;

namespace Timonel.E2E.Tests;

/// <summary>The everyday kubectl 1.33 workflow against one shared server; each test in its own namespace.</summary>
[Collection(E2ECollection.Name)]
public sealed class KubectlWorkflowTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubectl Kubectl => fixture.Kubectl;

    // kubectl 1.32+ sends `create namespace` (and every `create <kind>` generator) as a protobuf body.
    [Fact]
    public async Task CreateNamespace_KubectlCreate_NamespaceIsActive()
    {
        KubectlAssert.Succeeds(await Kubectl.RunAsync("create", "namespace", "wf-create-ns"));

        var phase = KubectlAssert.Succeeds(await Kubectl.RunAsync("get", "namespace", "wf-create-ns", "-o", "jsonpath={.status.phase}"));
        Assert.Equal("Active", phase.Stdout);
    }

    [Fact]
    public async Task Apply_MultiDocumentManifest_EveryObjectIsCreatedAndReadable()
    {
        const string Ns = "wf-apply";
        await Kubectl.CreateNamespaceAsync(Ns);

        var apply = KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns)));

        KubectlAssert.StdoutContains(apply, "deployment.apps/web created");
        KubectlAssert.StdoutContains(apply, "service/web created");
        KubectlAssert.StdoutContains(apply, "configmap/web-config created");
        KubectlAssert.StdoutContains(apply, "secret/web-secret created");
        foreach (var resource in new[] { "deployment/web", "service/web", "configmap/web-config", "secret/web-secret" })
        {
            var get = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", resource));
            Assert.Contains(resource.Split('/')[1], get.Stdout, StringComparison.Ordinal);
        }

        Assert.Equal("1", await Kubectl.JsonPathAsync(Ns, "configmap/web-config", "{.data.key}"));
        Assert.Equal("aHVudGVyMg==", await Kubectl.JsonPathAsync(Ns, "secret/web-secret", "{.data.password}"));
        Assert.Matches(@"^10\.43\.\d+\.\d+$", await Kubectl.JsonPathAsync(Ns, "service/web", "{.spec.clusterIP}"));
    }

    [Fact]
    public async Task Get_EachOutputFormat_PrintsTheObject()
    {
        const string Ns = "wf-get";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.Deployment(Ns, "web", replicas: 3)));

        var yaml = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "deployment", "web", "-o", "yaml"));
        Assert.Contains("kind: Deployment", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("replicas: 3", yaml.Stdout, StringComparison.Ordinal);

        var json = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "deployment", "web", "-o", "json"));
        var parsed = JsonNode.Parse(json.Stdout)!;
        Assert.Equal("apps/v1", (string?)parsed["apiVersion"]);
        Assert.Equal(3, (int?)parsed["spec"]!["replicas"]);
        Assert.False(string.IsNullOrEmpty((string?)parsed["metadata"]!["uid"]));

        Assert.Equal("3", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));

        var wide = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "deployment", "web", "-o", "wide"));
        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR", wide.Stdout);
        Assert.Matches(@"web\s+0/3\s+.*main\s+nginx:1\.25\s+app=web", wide.Stdout);

        var name = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "deployment", "-o", "name"));
        Assert.Equal("deployment.apps/web", name.Stdout.Trim());
    }

    [Fact]
    public async Task Describe_Deployment_ShowsSpecAndTemplate()
    {
        const string Ns = "wf-describe";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.Deployment(Ns, "web", replicas: 2)));

        var describe = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "describe", "deployment", "web"));

        Assert.Matches(@"Name:\s+web", describe.Stdout);
        Assert.Matches($@"Namespace:\s+{Ns}", describe.Stdout);
        Assert.Matches(@"Selector:\s+app=web", describe.Stdout);
        Assert.Matches(@"Replicas:\s+2 desired", describe.Stdout);
        Assert.Matches(@"StrategyType:\s+RollingUpdate", describe.Stdout);
        Assert.Matches(@"Image:\s+nginx:1\.25", describe.Stdout);
    }

    [Fact]
    public async Task Label_AddOverwriteRemove_LabelsFollow()
    {
        const string Ns = "wf-label";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "cfg")));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "cfg", "tier=front"));
        Assert.Equal("front", await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata.labels.tier}"));

        KubectlAssert.Fails(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "cfg", "tier=back"), "--overwrite is false");
        Assert.Equal("front", await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata.labels.tier}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "cfg", "tier=back", "--overwrite"));
        Assert.Equal("back", await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata.labels.tier}"));

        var selected = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "configmap", "-l", "tier=back", "-o", "name"));
        Assert.Equal("configmap/cfg", selected.Stdout.Trim());

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "cfg", "tier-"));
        Assert.Equal(string.Empty, await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata.labels.tier}"));
    }

    [Fact]
    public async Task Annotate_AddOverwriteRemove_AnnotationsFollow()
    {
        const string Ns = "wf-annotate";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "cfg")));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "annotate", "configmap", "cfg", "owner=alice"));
        Assert.Equal("alice", await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata.annotations.owner}"));

        KubectlAssert.Fails(await Kubectl.RunAsync("-n", Ns, "annotate", "configmap", "cfg", "owner=bob"), "--overwrite is false");

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "annotate", "configmap", "cfg", "owner=bob", "--overwrite"));
        Assert.Equal("bob", await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata.annotations.owner}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "annotate", "configmap", "cfg", "owner-"));
        Assert.Equal(string.Empty, await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata.annotations.owner}"));
    }

    [Fact]
    public async Task Patch_StrategicMergeAndJson_EachChangesTheDeployment()
    {
        const string Ns = "wf-patch";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.Deployment(Ns, "web", replicas: 1)));

        // Strategic merge keys the container list by name: the new env var joins the existing one
        // and, as upstream orders a merged list, patch items come before items only the server had.
        KubectlAssert.Succeeds(await Kubectl.RunAsync(
            "-n", Ns, "patch", "deployment", "web", "--type=strategic",
            "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"LEVEL","value":"debug"}]}]}}}}"""));
        Assert.Equal("LEVEL MODE", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.template.spec.containers[0].env[*].name}"));
        Assert.Equal("nginx:1.25", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.template.spec.containers[0].image}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "patch", "deployment", "web", "--type=merge", "-p", """{"spec":{"replicas":4}}"""));
        Assert.Equal("4", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync(
            "-n", Ns, "patch", "deployment", "web", "--type=json",
            "-p", """[{"op":"replace","path":"/spec/replicas","value":6},{"op":"add","path":"/metadata/labels/patched","value":"yes"}]"""));
        Assert.Equal("6", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));
        Assert.Equal("yes", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.metadata.labels.patched}"));

        // A failed "test" op is a 422 (upstream: GenericServerResponse), which kubectl prints as an invalid request.
        var failedTest = await Kubectl.RunAsync("-n", Ns, "patch", "deployment", "web", "--type=json", "-p", """[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":99}]""");
        KubectlAssert.Fails(failedTest, "The request is invalid");
        KubectlAssert.Fails(failedTest, "testing value /spec/replicas failed");
        Assert.Equal("6", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));
    }

    [Fact]
    public async Task Edit_ThroughKubeEditor_SavesTheEditedValue()
    {
        const string Ns = "wf-edit";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.Deployment(Ns, "web", replicas: 2)));
        var editor = Path.Combine(fixture.Server.RootDir, "edit-replicas.sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i 's/^  replicas: 2$/  replicas: 7/' \"$1\"\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var edit = KubectlAssert.Succeeds(await Kubectl.RunAsync(
            ["-n", Ns, "edit", "deployment", "web"],
            stdin: null,
            new Dictionary<string, string> { ["KUBE_EDITOR"] = editor }));

        KubectlAssert.StdoutContains(edit, "deployment.apps/web edited");
        Assert.Equal("7", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));
    }

    [Fact]
    public async Task Scale_ToFiveReplicas_SpecReplicasIsFive()
    {
        const string Ns = "wf-scale";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.Deployment(Ns, "web", replicas: 2)));

        var scale = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "scale", "deployment/web", "--replicas=5"));

        KubectlAssert.StdoutContains(scale, "deployment.apps/web scaled");
        Assert.Equal("5", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));
        KubectlAssert.Fails(
            await Kubectl.RunAsync("-n", Ns, "scale", "deployment/web", "--replicas=1", "--current-replicas=3"),
            "Expected replicas to be 3, was 5");
    }

    [Fact]
    public async Task Delete_WithWait_ConfigMapIsGone()
    {
        const string Ns = "wf-delete";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "doomed")));

        var delete = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "delete", "configmap", "doomed", "--wait"));

        KubectlAssert.StdoutContains(delete, "configmap \"doomed\" deleted");
        KubectlAssert.Fails(await Kubectl.RunAsync("-n", Ns, "get", "configmap", "doomed"), "NotFound");
    }

    // Upstream drops an emptied map on the way out (ObjectMeta.labels is omitempty), so removing the last
    // label leaves no "labels" key.
    [Fact]
    public async Task Label_RemoveTheOnlyLabel_LabelsFieldIsGone()
    {
        const string Ns = "wf-label-last";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "cfg")));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "cfg", "only=one"));

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "cfg", "only-"));

        var metadata = JsonNode.Parse(await Kubectl.JsonPathAsync(Ns, "configmap/cfg", "{.metadata}"))!.AsObject();
        Assert.False(metadata.ContainsKey("labels"), $"metadata still has labels: {metadata.ToJsonString()}");
    }

    [Fact]
    public async Task DeleteNamespace_WithObjects_NamespaceAndContentsAreGone()
    {
        const string Ns = "wf-delete-ns";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns)));

        var delete = KubectlAssert.Succeeds(await Kubectl.RunAsync(["delete", "namespace", Ns, "--wait", "--timeout=60s"], stdin: null, timeout: TimeSpan.FromSeconds(90)));

        KubectlAssert.StdoutContains(delete, $"namespace \"{Ns}\" deleted");
        KubectlAssert.Fails(await Kubectl.RunAsync("get", "namespace", Ns), "NotFound");
        var leftovers = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "deployments,services,configmaps,secrets", "-o", "name"));
        Assert.True(leftovers.Stdout.Trim().Length == 0, $"objects outlived their namespace:\n{leftovers}");
    }

    [Fact]
    public async Task Apply_SameManifestTwice_SecondRunIsUnchanged()
    {
        const string Ns = "wf-apply-twice";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns)));

        var second = KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns)));

        foreach (var resource in new[] { "deployment.apps/web", "service/web", "configmap/web-config", "secret/web-secret" })
        {
            KubectlAssert.StdoutContains(second, $"{resource} unchanged");
        }

        var changed = KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns, configValue: "2")));
        KubectlAssert.StdoutContains(changed, "configmap/web-config configured");
        KubectlAssert.StdoutContains(changed, "deployment.apps/web unchanged");
    }

    [Fact]
    public async Task Diff_ChangedAndUnchangedManifest_ExitCodeTellsWhichAndShowsTheChange()
    {
        const string Ns = "wf-diff";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns, replicas: 2)));

        var same = await Kubectl.RunAsync(["diff", "-f", "-"], Manifests.WebApp(Ns, replicas: 2));
        Assert.True(same.ExitCode == 0, $"expected no difference\n{same}");
        Assert.Equal(string.Empty, same.Stdout);

        var changed = await Kubectl.RunAsync(["diff", "-f", "-"], Manifests.WebApp(Ns, replicas: 4));
        Assert.True(changed.ExitCode == 1, $"expected exit code 1 (differences found)\n{changed}");
        Assert.Contains("-  replicas: 2", changed.Stdout, StringComparison.Ordinal);
        Assert.Contains("+  replicas: 4", changed.Stdout, StringComparison.Ordinal);
        Assert.Equal("2", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));
    }

    [Fact]
    public async Task Explain_DeploymentSpecReplicas_PrintsTheFieldDescription()
    {
        var explain = KubectlAssert.Succeeds(await Kubectl.RunAsync("explain", "deployment.spec.replicas"));

        Assert.Matches(@"KIND:\s+Deployment", explain.Stdout);
        Assert.Matches(@"replicas\s+<integer>", explain.Stdout);
        Assert.Contains("Number of desired pods", explain.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiResources_Default_ListsCoreAndAppsResourcesWithShortNames()
    {
        var resources = KubectlAssert.Succeeds(await Kubectl.RunAsync("api-resources"));

        Assert.Matches(@"(?m)^pods\s+po\s+v1\s+true\s+Pod\s*$", resources.Stdout);
        Assert.Matches(@"(?m)^deployments\s+deploy\s+apps/v1\s+true\s+Deployment\s*$", resources.Stdout);
        Assert.Matches(@"(?m)^namespaces\s+ns\s+v1\s+false\s+Namespace\s*$", resources.Stdout);
        Assert.Matches(@"(?m)^services\s+svc\s+v1\s+true\s+Service\s*$", resources.Stdout);
    }

    [Fact]
    public async Task Version_Default_ShowsTheServerVersion()
    {
        var version = KubectlAssert.Succeeds(await Kubectl.RunAsync("version", "-o", "json"));

        var server = JsonNode.Parse(version.Stdout)!["serverVersion"];
        Assert.NotNull(server);
        Assert.Equal("1", (string?)server["major"]);
        Assert.Matches(@"^v1\.\d+\.\d+", (string?)server["gitVersion"]);
    }
}
