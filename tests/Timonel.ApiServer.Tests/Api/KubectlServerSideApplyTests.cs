using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>The real kubectl against server-side apply: apply, conflicts, force, managed fields, migration from client-side apply, diff.</summary>
public sealed class KubectlServerSideApplyTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string Deployment(string ns, int replicas, string image = "nginx:1") => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: {image}
        """;

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("ssa-home-").FullName);

    private async Task<int> ReplicasAsync(string ns) =>
        (await fx.Client.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web")).Object["spec"]!["replicas"]!.GetValue<int>();

    private static void Ok(KubectlRun run) => Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);

    [Fact]
    public async Task ApplyServerSide_ThenChange_ThenScaleConflict_ThenForce()
    {
        var ns = await fx.NamespaceAsync("ssa-kubectl");
        var kubectl = Kubectl();

        var first = await kubectl.RunAsync(["apply", "--server-side", "-f", "-"], Deployment(ns, 2));
        Ok(first);
        Assert.Contains("deployment.apps/web serverside-applied", first.Stdout, StringComparison.Ordinal);
        Ok(await kubectl.RunAsync(["apply", "--server-side", "-f", "-"], Deployment(ns, 3)));
        Assert.Equal(3, await ReplicasAsync(ns));

        Ok(await kubectl.RunAsync(["scale", "-n", ns, "deployment/web", "--replicas=5"]));
        var conflict = await kubectl.RunAsync(["apply", "--server-side", "-f", "-"], Deployment(ns, 4));

        Assert.NotEqual(0, conflict.ExitCode);
        // kubectl scale sends no fieldManager: the manager is its User-Agent's product, the binary's name.
        var scaler = Path.GetFileName(KubectlRunner.Latest);
        Assert.True(conflict.Stderr.Contains($"Apply failed with 1 conflict: conflict with \"{scaler}\" with subresource \"scale\" using apps/v1: .spec.replicas", StringComparison.Ordinal), conflict.Stderr);
        Assert.Equal(5, await ReplicasAsync(ns));

        Ok(await kubectl.RunAsync(["apply", "--server-side", "--force-conflicts", "-f", "-"], Deployment(ns, 4)));
        Assert.Equal(4, await ReplicasAsync(ns));

        var yaml = await kubectl.RunAsync(["get", "-n", ns, "deployment", "web", "-o", "yaml", "--show-managed-fields"]);
        Ok(yaml);
        Assert.Contains("managedFields:", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("manager: kubectl", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("operation: Apply", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("f:replicas: {}", yaml.Stdout, StringComparison.Ordinal);
        var hidden = await kubectl.RunAsync(["get", "-n", ns, "deployment", "web", "-o", "yaml"]);
        Assert.DoesNotContain("managedFields:", hidden.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientSideApply_ThenServerSide_ThenClientSideAgain_AllWork()
    {
        var ns = await fx.NamespaceAsync("ssa-migrate");
        var kubectl = Kubectl();

        Ok(await kubectl.RunAsync(["apply", "-f", "-"], Deployment(ns, 2)));
        var ssa = await kubectl.RunAsync(["apply", "--server-side", "-f", "-"], Deployment(ns, 3));
        Ok(ssa);
        Assert.Equal(3, await ReplicasAsync(ns));

        var csa = await kubectl.RunAsync(["apply", "-f", "-"], Deployment(ns, 3, "nginx:2"));
        Ok(csa);
        var stored = (await fx.Client.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web")).Object;
        Assert.Equal("nginx:2", ApiResponse.Str(stored["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]));
        Assert.Equal(3, stored["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task DiffServerSide_AndDryRunServer_ShowChangesWithoutWriting()
    {
        var ns = await fx.NamespaceAsync("ssa-diff");
        var kubectl = Kubectl();
        Ok(await kubectl.RunAsync(["apply", "--server-side", "-f", "-"], Deployment(ns, 2)));

        var diff = await kubectl.RunAsync(["diff", "--server-side", "-f", "-"], Deployment(ns, 6));
        var dryRun = await kubectl.RunAsync(["apply", "--server-side", "--dry-run=server", "-f", "-"], Deployment(ns, 7));
        var same = await kubectl.RunAsync(["diff", "--server-side", "-f", "-"], Deployment(ns, 2));

        Assert.True(diff.ExitCode == 1, diff.Stdout + diff.Stderr);
        Assert.Contains("-  replicas: 2", diff.Stdout, StringComparison.Ordinal);
        Assert.Contains("+  replicas: 6", diff.Stdout, StringComparison.Ordinal);
        Ok(dryRun);
        Assert.Contains("serverside-applied (server dry run)", dryRun.Stdout, StringComparison.Ordinal);
        Assert.True(same.ExitCode == 0, same.Stdout + same.Stderr);
        Assert.Equal(2, await ReplicasAsync(ns));
    }
}
