using System.Text.RegularExpressions;
using Timonel.E2E.Tests.Infrastructure;
using Xunit;

namespace Timonel.E2E.Tests;

/// <summary>The cluster-wide controllers seen through kubectl: quota usage, endpoints of services, cascading deletion.</summary>
[Collection(E2ECollection.Name)]
public sealed partial class ClusterControllerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private Kubectl Kubectl => fixture.Kubectl;

    /// <summary>Runs kubectl until <paramref name="accept"/> holds for a successful run; returns that run.</summary>
    private async Task<KubectlResult> UntilAsync(Func<KubectlResult, bool> accept, string what, params string[] args)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var result = await Kubectl.RunAsync(args);
            if (result.Succeeded && accept(result))
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; last run:\n{result}");
            await Task.Delay(250);
        }
    }

    private static string Pod(string ns, string name, string app) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            app: {app}
        spec:
          nodeName: node-1
          containers:
          - name: c
            image: nginx:1.25
            ports:
            - name: http
              containerPort: 8080
        """;

    /// <summary>Plays the node agent: reports the pod Running and Ready with an address.</summary>
    private async Task MarkReadyAsync(string ns, string name, string ip)
    {
        var status = $$$"""{"status":{"phase":"Running","podIP":"{{{ip}}}","podIPs":[{"ip":"{{{ip}}}"}],"conditions":[{"type":"Ready","status":"True"}]}}""";
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "patch", "pod", name, "--subresource=status", "--type=merge", "-p", status));
    }

    [Fact]
    public async Task Quota_PodsOverHardAreRefused_AndUsageDropsAfterDeletes()
    {
        const string Ns = "cc-quota";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "quota", "q", "--hard=pods=2"));
        await UntilAsync(r => PodsUsage().Match(r.Stdout) is { Success: true } m && m.Groups[1].Value == "0", "the quota to be counted", "-n", Ns, "describe", "quota", "q");

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "run", "p1", "--image=nginx:1.25"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "run", "p2", "--image=nginx:1.25"));
        var refused = KubectlAssert.Fails(await Kubectl.RunAsync("-n", Ns, "run", "p3", "--image=nginx:1.25"), "exceeded quota");
        Assert.Contains("pods \"p3\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2", refused.Stderr, StringComparison.Ordinal);

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "delete", "pod", "p1", "--wait=false"));

        var described = await UntilAsync(r => PodsUsage().Match(r.Stdout) is { Success: true } m && m.Groups[1].Value == "1", "usage to drop to 1", "-n", Ns, "describe", "quota", "q");
        Assert.Matches(PodsUsage(), described.Stdout);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "run", "p3", "--image=nginx:1.25"));
    }

    [Fact]
    public async Task Service_WithSelector_GetsEndpointsAndSlicesForReadyPods()
    {
        const string Ns = "cc-endpoints";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Pod(Ns, "web-a", "web")));
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Pod(Ns, "web-b", "web")));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "service", "clusterip", "web", "--tcp=80:http"));

        await MarkReadyAsync(Ns, "web-a", "10.42.0.10");
        await MarkReadyAsync(Ns, "web-b", "10.42.0.11");

        var endpoints = await UntilAsync(r => r.Stdout.Contains("10.42.0.10:8080", StringComparison.Ordinal) && r.Stdout.Contains("10.42.0.11:8080", StringComparison.Ordinal), "both pods in the endpoints", "-n", Ns, "get", "endpoints", "web");
        Assert.StartsWith("NAME", endpoints.Stdout, StringComparison.Ordinal);
        var slices = await UntilAsync(r => r.Stdout.Contains("10.42.0.10", StringComparison.Ordinal) && r.Stdout.Contains("10.42.0.11", StringComparison.Ordinal), "both pods in the slice", "-n", Ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web");
        Assert.Contains("IPv4", slices.Stdout, StringComparison.Ordinal);
        Assert.Contains("8080", slices.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteOwner_CascadeForeground_DependentsGoFirst()
    {
        const string Ns = "cc-cascade";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "owner")));
        var uid = await Kubectl.JsonPathAsync(Ns, "configmap/owner", "{.metadata.uid}");
        foreach (var name in new[] { "dep-1", "dep-2" })
        {
            KubectlAssert.Succeeds(await Kubectl.ApplyAsync($"""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {name}
                  namespace: {Ns}
                  ownerReferences:
                  - apiVersion: v1
                    kind: ConfigMap
                    name: owner
                    uid: {uid}
                    blockOwnerDeletion: true
                """));
        }

        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "delete", "configmap", "owner", "--cascade=foreground", "--wait", "--timeout=60s"], stdin: null, timeout: TimeSpan.FromSeconds(90)));

        var left = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "configmaps", "-o", "name"));
        Assert.DoesNotContain("dep-", left.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("configmap/owner", left.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterRoleAggregation_LabelledRoleAppliedThenDeleted_ViewShowsThenDropsItsRule()
    {
        const string Role = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: cc-widget-viewer
              labels:
                rbac.authorization.k8s.io/aggregate-to-view: "true"
            rules:
            - apiGroups: [cc.example.com]
              resources: [widgets]
              verbs: [get, list]
            """;
        // The bootstrap rules are aggregated into view before the user's role comes.
        await UntilAsync(r => r.Stdout.Contains("endpointslices", StringComparison.Ordinal), "view aggregated", "get", "clusterrole", "view", "-o", "yaml");
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["apply", "-f", "-"], stdin: Role));

        await UntilAsync(r => r.Stdout.Contains("cc.example.com", StringComparison.Ordinal), "view with the widget rule", "get", "clusterrole", "view", "-o", "yaml");

        KubectlAssert.Succeeds(await Kubectl.RunAsync("delete", "clusterrole", "cc-widget-viewer"));
        var view = await UntilAsync(r => !r.Stdout.Contains("cc.example.com", StringComparison.Ordinal), "view without the widget rule", "get", "clusterrole", "view", "-o", "yaml");
        Assert.Contains("endpointslices", view.Stdout, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"pods\s+(\d+)\s+2")]
    private static partial Regex PodsUsage();
}
