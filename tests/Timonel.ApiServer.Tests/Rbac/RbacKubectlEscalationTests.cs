using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>
/// Escalation attempts through the real kubectl, each refused with upstream's message and
/// nothing written (the admin reads afterwards), next to the allowed path that shows the same
/// request can succeed: a namespace admin binding cluster-admin or writing roles beyond what she
/// holds, a user with `bind` on view, and a kubelet writing another node's pods and Node.
/// </summary>
public sealed class RbacKubectlEscalationTests(RbacMatrixFixture fx) : IClassFixture<RbacMatrixFixture>
{
    private const string NotHeld = "is attempting to grant RBAC permissions not currently held:";

    private KubectlRunner Admin => fx.Kubectl(fx.AdminKubeconfig);

    private KubectlRunner Alice => fx.Kubectl(fx.AliceKubeconfig);

    private KubectlRunner Node => fx.Kubectl(fx.NodeKubeconfig);

    [Fact]
    public async Task Alice_BindsClusterAdminToSelf_Refused_NothingWritten()
    {
        await fx.InitializeWorldAsync();

        var inNamespace = await Alice.RunAsync("create", "rolebinding", "alice-root", "--clusterrole=cluster-admin", "--user=alice", "-n", fx.A);
        var clusterWide = await Alice.RunAsync("create", "clusterrolebinding", "alice-root", "--clusterrole=cluster-admin", "--user=alice");
        var allowed = await Alice.RunAsync("create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice", "-n", fx.A);

        Assert.NotEqual(0, inNamespace.ExitCode);
        Assert.StartsWith(
            "error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io \"alice-root\" is forbidden: user \"alice\" (groups=[\"system:authenticated\"]) " + NotHeld,
            inNamespace.Stderr, StringComparison.Ordinal);
        Assert.Contains("{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}", inNamespace.Stderr, StringComparison.Ordinal);
        Assert.Equal(
            "error: failed to create clusterrolebinding: clusterrolebindings.rbac.authorization.k8s.io is forbidden: User \"alice\" cannot create resource \"clusterrolebindings\" in API group \"rbac.authorization.k8s.io\" at the cluster scope",
            clusterWide.Stderr.Trim());
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        await AssertNotFoundAsync("rolebinding", "alice-root", "-n", fx.A);
        await AssertNotFoundAsync("clusterrolebinding", "alice-root");
        Assert.Equal("no", (await Alice.RunAsync("auth", "can-i", "list", "nodes")).Stdout.Trim());
    }

    [Fact]
    public async Task Alice_CreatesRoleBeyondHeld_Refused_WithinHeld_Allowed()
    {
        await fx.InitializeWorldAsync();

        var otherNamespace = await Alice.RunAsync("create", "role", "steal", "--verb=get", "--resource=secrets", "-n", fx.B);
        var star = await Alice.RunAsync("create", "role", "star", "--verb=*", "--resource=*.*", "-n", fx.A);
        var nodes = await Alice.RunAsync("create", "role", "nodes", "--verb=get", "--resource=nodes", "-n", fx.A);
        var clusterStar = await Alice.RunAsync("create", "clusterrole", "star", "--verb=*", "--resource=*.*");
        var within = await Alice.RunAsync("create", "role", "secret-reader", "--verb=get", "--resource=secrets", "-n", fx.A);

        Assert.Equal(
            $"Error from server (Forbidden): roles.rbac.authorization.k8s.io is forbidden: User \"alice\" cannot create resource \"roles\" in API group \"rbac.authorization.k8s.io\" in the namespace \"{fx.B}\"",
            otherNamespace.Stderr.Trim());
        Assert.Contains("roles.rbac.authorization.k8s.io \"star\" is forbidden: user \"alice\" (groups=[\"system:authenticated\"]) " + NotHeld + "\n{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}", star.Stderr, StringComparison.Ordinal);
        Assert.Contains("roles.rbac.authorization.k8s.io \"nodes\" is forbidden: user \"alice\" (groups=[\"system:authenticated\"]) " + NotHeld + "\n{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\"]}", nodes.Stderr, StringComparison.Ordinal);
        Assert.Contains("clusterroles.rbac.authorization.k8s.io is forbidden: User \"alice\" cannot create resource \"clusterroles\"", clusterStar.Stderr, StringComparison.Ordinal);
        Assert.True(within.ExitCode == 0, within.Stderr);
        await AssertNotFoundAsync("role", "steal", "-n", fx.B);
        await AssertNotFoundAsync("role", "star", "-n", fx.A);
        await AssertNotFoundAsync("role", "nodes", "-n", fx.A);
        await AssertNotFoundAsync("clusterrole", "star");
    }

    [Fact]
    public async Task Binder_WithBindOnView_BindsView_NotEdit()
    {
        await fx.InitializeWorldAsync();
        var binder = fx.Kubectl(fx.BinderKubeconfig);
        Assert.Equal("no", (await Admin.RunAsync("auth", "can-i", "list", "pods", "-n", fx.A, "--as=bob")).Stdout.Trim());

        var view = await binder.RunAsync("create", "rolebinding", "bob-view", "--clusterrole=view", "--user=bob", "-n", fx.A);
        var edit = await binder.RunAsync("create", "rolebinding", "bob-edit", "--clusterrole=edit", "--user=bob", "-n", fx.A);

        Assert.True(view.ExitCode == 0, view.Stderr);
        Assert.Contains("rolebindings.rbac.authorization.k8s.io \"bob-edit\" is forbidden: user \"binder\" (groups=[\"system:authenticated\"]) " + NotHeld, edit.Stderr, StringComparison.Ordinal);
        await AssertNotFoundAsync("rolebinding", "bob-edit", "-n", fx.A);
        Assert.Equal("yes", (await Admin.RunAsync("auth", "can-i", "list", "pods", "-n", fx.A, "--as=bob")).Stdout.Trim());
        Assert.Equal("no", (await Admin.RunAsync("auth", "can-i", "create", "pods", "-n", fx.A, "--as=bob")).Stdout.Trim());
    }

    [Fact]
    public async Task Agent_WritesAnotherNodesPodStatus_Refused_OwnPodAllowed()
    {
        await fx.InitializeWorldAsync();
        var status = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"POD","namespace":"NS"},"spec":{"nodeName":"NODE","containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Running","conditions":[{"type":"Escalation","status":"True"}]}}""";
        var other = await Manifest("p2-status", status.Replace("POD", "p2").Replace("NS", fx.A).Replace("NODE", "node-2"));
        var own = await Manifest("p1-status", status.Replace("POD", "p1").Replace("NS", fx.A).Replace("NODE", "node-1"));

        var refused = await Node.RunAsync("replace", "--raw", $"/api/v1/namespaces/{fx.A}/pods/p2/status", "-f", other);
        var allowed = await Node.RunAsync("replace", "--raw", $"/api/v1/namespaces/{fx.A}/pods/p1/status", "-f", own);

        Assert.Equal("Error from server (Forbidden): pods \"p2\" is forbidden: node \"node-1\" can only update pod status for pods with spec.nodeName set to itself", refused.Stderr.Trim());
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        var conditions = await Admin.RunAsync("get", "pods", "p1", "p2", "-n", fx.A, "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[*].type};{end}");
        Assert.Equal("p1=Escalation;p2=Ready;", conditions.Stdout);
    }

    [Fact]
    public async Task Agent_CreatesPodForAnotherNode_Refused_NothingWritten()
    {
        await fx.InitializeWorldAsync();
        var uid = (await Admin.RunAsync("get", "node", "node-1", "-o", "jsonpath={.metadata.uid}")).Stdout;
        // A mirror pod as a kubelet writes it: the annotation and the node as its controller.
        var mirror = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME","annotations":{"kubernetes.io/config.mirror":"x"},"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"node-1","uid":"UID","controller":true}]},"spec":{"nodeName":"NODE","containers":[{"name":"c","image":"busybox"}]}}"""
            .Replace("UID", uid, StringComparison.Ordinal);
        var plain = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"plain-node-1"},"spec":{"nodeName":"node-1","containers":[{"name":"c","image":"busybox"}]}}""";

        var refused = await Node.RunAsync("create", "--validate=false", "-n", fx.A, "-f", await Manifest("mirror-2", mirror.Replace("NAME", "mirror-node-2", StringComparison.Ordinal).Replace("NODE", "node-2", StringComparison.Ordinal)));
        var notMirror = await Node.RunAsync("create", "--validate=false", "-n", fx.A, "-f", await Manifest("plain-1", plain));
        var allowed = await Node.RunAsync("create", "--validate=false", "-n", fx.A, "-f", await Manifest("mirror-1", mirror.Replace("NAME", "mirror-node-1", StringComparison.Ordinal).Replace("NODE", "node-1", StringComparison.Ordinal)));

        Assert.Equal("Error from server (Forbidden): error when creating \"" + Path.Combine(fx.Dir, "esc-mirror-2.json") + "\": pods \"mirror-node-2\" is forbidden: node \"node-1\" can only create pods with spec.nodeName set to itself", refused.Stderr.Trim());
        Assert.True(notMirror.Stderr.Contains("pod does not have \"kubernetes.io/config.mirror\" annotation, node \"node-1\" can only create mirror pods", StringComparison.Ordinal), notMirror.Stderr);
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        await AssertNotFoundAsync("pod", "mirror-node-2", "-n", fx.A);
        await AssertNotFoundAsync("pod", "plain-node-1", "-n", fx.A);
    }

    [Fact]
    public async Task Agent_UpdatesAnotherNode_Refused_OwnNodeAllowed()
    {
        await fx.InitializeWorldAsync();
        var node = """{"apiVersion":"v1","kind":"Node","metadata":{"name":"NAME","labels":{"escalated":"yes"}}}""";

        var refused = await Node.RunAsync("replace", "--raw", "/api/v1/nodes/node-2", "-f", await Manifest("node-2", node.Replace("NAME", "node-2")));
        var read = await Node.RunAsync("get", "node", "node-2");
        var allowed = await Node.RunAsync("label", "node", "node-1", "escalated=yes");

        Assert.Equal("Error from server (Forbidden): nodes \"node-2\" is forbidden: node \"node-1\" is not allowed to modify node \"node-2\"", refused.Stderr.Trim());
        Assert.Contains("nodes \"node-2\" is forbidden: User \"system:node:node-1\" cannot get resource \"nodes\" in API group \"\" at the cluster scope: node 'node-1' cannot read 'node-2', only its own Node object", read.Stderr, StringComparison.Ordinal);
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        var labels = await Admin.RunAsync("get", "nodes", "node-1", "node-2", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.escalated};{end}");
        Assert.Equal("node-1=yes;node-2=;", labels.Stdout);
    }

    private async Task<string> Manifest(string name, string json)
    {
        var path = Path.Combine(fx.Dir, $"esc-{name}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    private async Task AssertNotFoundAsync(params string[] args)
    {
        var run = await Admin.RunAsync(["get", .. args]);
        Assert.True(run.Stderr.Contains("(NotFound)", StringComparison.Ordinal), $"kubectl get {string.Join(' ', args)}: exit {run.ExitCode} {run.Stdout} {run.Stderr}");
    }
}
