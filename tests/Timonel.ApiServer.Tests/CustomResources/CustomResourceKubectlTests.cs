using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// The real kubectl against CRDs: cert-manager's and Gateway API's CRDs read from the shared
/// test data (/work/shared/crds, see its README; never copied into the repo), installed,
/// waited for, and their example objects created, listed, described, scaled and deleted.
/// </summary>
public sealed class CustomResourceKubectlTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    /// <summary>The shared CRD test data; TIMONEL_SHARED_CRDS overrides where it lives.</summary>
    private static readonly string SharedCrds = Environment.GetEnvironmentVariable("TIMONEL_SHARED_CRDS") is { Length: > 0 } dir ? dir : "/work/shared/crds";

    private KubectlRunner Kubectl(string binary = KubectlRunner.Latest) => new(binary, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("crd-home-").FullName);

    private static async Task<KubectlRun> OkAsync(KubectlRunner kubectl, params string[] args)
    {
        var run = await kubectl.RunAsync(args, null, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        return run;
    }

    [Fact]
    public async Task CertManager_ApplyCreateWaitThenExamples_GetWideDescribeDelete()
    {
        var kubectl = Kubectl();
        var dir = Path.Combine(SharedCrds, "cert-manager");
        // Client-side apply keeps the whole CRD in the last-applied annotation; the largest
        // (clusterissuers, 146 KB as compact JSON) is well under the 256 KiB annotation limit.
        await OkAsync(kubectl, "apply", "-f", dir);
        await OkAsync(kubectl, "wait", "--for", "condition=established", "--timeout=30s",
            "crd/certificates.cert-manager.io", "crd/issuers.cert-manager.io", "crd/clusterissuers.cert-manager.io",
            "crd/certificaterequests.cert-manager.io", "crd/orders.acme.cert-manager.io", "crd/challenges.acme.cert-manager.io");

        await OkAsync(kubectl, "apply", "-f", Path.Combine(dir, "examples", "cert-manager-resources.yaml"));

        var get = await OkAsync(kubectl, "get", "certificates");
        Assert.Contains("test1", get.Stdout, StringComparison.Ordinal);
        Assert.Contains("READY", get.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("ISSUER", get.Stdout, StringComparison.Ordinal);
        var wide = await OkAsync(kubectl, "get", "cert", "-o", "wide", "-l", "test=first");
        Assert.Contains("ISSUER", wide.Stdout, StringComparison.Ordinal);
        Assert.Contains("selfsigned-issuer", wide.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("test2", wide.Stdout, StringComparison.Ordinal);
        var describe = await OkAsync(kubectl, "describe", "certificate", "test1");
        Assert.Contains("example.com", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("Kind:         Certificate", describe.Stdout, StringComparison.Ordinal);
        var all = await OkAsync(kubectl, "get", "cert-manager");
        Assert.Contains("certificate.cert-manager.io/test1", all.Stdout, StringComparison.Ordinal);
        Assert.Contains("issuer.cert-manager.io/selfsigned-issuer", all.Stdout, StringComparison.Ordinal);

        var explain = await OkAsync(kubectl, "explain", "certificate.spec.dnsNames");
        Assert.Contains("dnsNames", explain.Stdout, StringComparison.Ordinal);
        Assert.Contains("cert-manager.io", explain.Stdout, StringComparison.Ordinal);

        await OkAsync(kubectl, "delete", "certificate", "test2");
        var after = await OkAsync(kubectl, "get", "certificates", "-o", "name");
        Assert.Equal("certificate.cert-manager.io/test1", after.Stdout.Trim());
    }

    [Fact]
    public async Task GatewayApi_CreateWaitExample_GetAndDeleteCrd()
    {
        var kubectl = Kubectl();
        var dir = Path.Combine(SharedCrds, "gateway-api");
        // httproutes is 429 KB of YAML but 245 KB as the compact JSON of the last-applied
        // annotation, under the 256 KiB limit: client-side apply works, as upstream.
        await OkAsync(kubectl, "apply", "-f", dir);
        await OkAsync(kubectl, ["wait", "--for", "condition=established", "--timeout=30s",
            .. Directory.GetFiles(dir, "*.yaml").Select(f => "crd/" + Path.GetFileNameWithoutExtension(f).Split('_')[1] + ".gateway.networking.k8s.io")]);
        var crds = await OkAsync(kubectl, "get", "crd", "httproutes.gateway.networking.k8s.io", "-o", "jsonpath={.metadata.annotations}");
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", crds.Stdout, StringComparison.Ordinal);

        var example = Path.Combine(dir, "examples", "basic-http.yaml");
        await OkAsync(kubectl, "apply", "-f", example);
        // Applied again, changed: kubectl picks the patch type from the PATCH operation's content
        // types in OpenAPI v3, and a custom resource takes no strategic merge patch (as upstream).
        var changed = Path.Combine(Directory.CreateTempSubdirectory("crd-example-").FullName, "basic-http-changed.yaml");
        await File.WriteAllTextAsync(changed, (await File.ReadAllTextAsync(example)).Replace("\"foo.com\"", "\"bar.com\"", StringComparison.Ordinal));
        await OkAsync(kubectl, "apply", "-f", changed);
        Assert.Equal("bar.com", (await OkAsync(kubectl, "get", "httproute", "http-app-1", "-o", "jsonpath={.spec.hostnames[0]}")).Stdout.Trim());

        var gateways = await OkAsync(kubectl, "get", "gateways");
        Assert.Contains("CLASS", gateways.Stdout, StringComparison.Ordinal);
        var routes = await OkAsync(kubectl, "get", "httproute", "-o", "name");
        Assert.NotEmpty(routes.Stdout.Trim());
        var classes = await OkAsync(kubectl, "get", "gatewayclasses");
        Assert.Contains("CONTROLLER", classes.Stdout, StringComparison.Ordinal);

        await OkAsync(kubectl, "delete", "crd", "httproutes.gateway.networking.k8s.io", "--timeout=30s");
        var gone = await kubectl.RunAsync(["get", "httproutes"], null, TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, gone.ExitCode);
        // Whether kubectl's discovery cache still knows the type (NotFound from the server) or not.
        Assert.True(gone.Stderr.Contains("NotFound", StringComparison.Ordinal) || gone.Stderr.Contains("the server doesn't have a resource type \"httproutes\"", StringComparison.Ordinal), gone.Stderr);
        var fresh = await Kubectl().RunAsync(["get", "httproutes"], null, TimeSpan.FromSeconds(30));
        Assert.Contains("the server doesn't have a resource type \"httproutes\"", fresh.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KubectlRunner.Latest)]
    [InlineData(KubectlRunner.Oldest)]
    public async Task OwnCrd_ScaleGetAllShortNameAndWait(string binary)
    {
        var kubectl = Kubectl(binary);
        const string crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: pumps.kubectl.example.com
            spec:
              group: kubectl.example.com
              scope: Namespaced
              names: {plural: pumps, singular: pump, kind: Pump, shortNames: [pu], categories: [all]}
              versions:
              - name: v1
                served: true
                storage: true
                schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                subresources:
                  status: {}
                  scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
                additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
            """;
        var applied = await kubectl.RunAsync(["apply", "-f", "-"], crd, TimeSpan.FromSeconds(30));
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        await OkAsync(kubectl, "wait", "--for", "condition=established", "--timeout=30s", "crd/pumps.kubectl.example.com");
        var ns = await fx.NamespaceAsync("kubectl-cr");
        var created = await kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], "apiVersion: kubectl.example.com/v1\nkind: Pump\nmetadata: {name: p1}\nspec: {replicas: 1}\n", TimeSpan.FromSeconds(30));
        Assert.True(created.ExitCode == 0, created.Stderr);
        // A second client-side apply of a changed object: kubectl picks the patch type from the
        // PATCH operation's content types in OpenAPI v3, and a custom resource refuses strategic merge.
        var reapplied = await kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], "apiVersion: kubectl.example.com/v1\nkind: Pump\nmetadata: {name: p1, labels: {tier: a}}\nspec: {replicas: 1, color: red}\n", TimeSpan.FromSeconds(30));
        Assert.True(reapplied.ExitCode == 0, reapplied.Stderr);
        Assert.Equal("red a", (await OkAsync(kubectl, "get", "pump/p1", "-n", ns, "-o", "jsonpath={.spec.color} {.metadata.labels.tier}")).Stdout.Trim());

        await OkAsync(kubectl, "scale", "-n", ns, "pump/p1", "--replicas=4");

        var get = await OkAsync(kubectl, "get", "pu", "-n", ns);
        Assert.Matches(@"p1\s+4\s", get.Stdout);
        var all = await OkAsync(kubectl, "get", "all", "-n", ns);
        Assert.Contains("pump.kubectl.example.com/p1", all.Stdout, StringComparison.Ordinal);
        var smp = await kubectl.RunAsync(["patch", "-n", ns, "pump/p1", "--type=strategic", "-p", "{\"spec\":{\"replicas\":2}}"], null, TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, smp.ExitCode);
        Assert.Contains("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json", smp.Stderr, StringComparison.Ordinal);
        await OkAsync(kubectl, "patch", "-n", ns, "pump/p1", "--type=merge", "-p", "{\"spec\":{\"replicas\":2}}");
        Assert.Matches(@"p1\s+2\s", (await OkAsync(kubectl, "get", "pumps", "-n", ns)).Stdout);
        var explain = await OkAsync(kubectl, "explain", "pumps");
        Assert.Contains("Pump", explain.Stdout, StringComparison.Ordinal);
    }
}
