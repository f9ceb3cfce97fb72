using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;

namespace Timonel.E2E.Tests;

/// <summary>Two simulated nodes and a server with the default authorization, auditing every request at Metadata level.</summary>
public sealed class AuditedCluster : SimulatedCluster, IDisposable
{
    private readonly string auditDir = Directory.CreateTempSubdirectory("timonel-e2e-audit-").FullName;

    public string AuditLog => Path.Combine(auditDir, "audit.log");

    protected override IReadOnlyList<string> ServerArgs => ["--audit-log-path", AuditLog];

    /// <summary>Runs after the server has stopped (xunit disposes a fixture's async lifetime first).</summary>
    public void Dispose() => Directory.Delete(auditDir, recursive: true);

    protected override Task CreateNodesAsync() => SimNodesAsync("--count", "2", "--name-prefix", "id-");
}

/// <summary>
/// The server's control-plane loops under the default Node,RBAC authorization, each as its own
/// user: the audit log (one Metadata line per request, with the authenticated user) shows the
/// deployment and replicaset controllers writing as their service accounts, the scheduler
/// binding as system:kube-scheduler and the node simulator reporting pod status as
/// timonel:node-simulator, with none of their requests refused; and the roles they hold stop
/// where upstream's stop.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ComponentIdentityTests(AuditedCluster cluster) : IClassFixture<AuditedCluster>
{
    private const string Ns = "identities";
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);
    private static readonly string[] ComponentUsers = ["system:kube-scheduler", "system:kube-controller-manager", "timonel:node-simulator"];

    private Kubectl Kubectl => cluster.Kubectl;

    [Fact]
    public async Task Deployment_UnderRbac_EachComponentWritesAsItsOwnIdentity()
    {
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "deployment", "web", "--image=nginx", "--replicas=2"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["-n", Ns, "rollout", "status", "deployment/web", "--timeout=90s"], null, timeout: WaitLimit));
        var phases = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}")).Stdout;
        Assert.Equal(["Running", "Running"], phases.Split(' '));

        // The audit line of a request is written when its response is; the rollout is done, so
        // the lines of the writes that led to it are in the file.
        var events = ReadAudit();
        Assert.Equal(["system:serviceaccount:kube-system:deployment-controller"], WritersOf(events, "create", "replicasets", null));
        Assert.Equal(["system:serviceaccount:kube-system:replicaset-controller"], WritersOf(events, "create", "pods", null));
        Assert.Equal(["system:kube-scheduler"], WritersOf(events, "create", "pods", "binding"));
        Assert.Contains("timonel:node-simulator", WritersOf(events, "patch", "pods", "status"));
        // The shared informers read as the manager itself (a watch's line comes when it ends; its list's at once).
        Assert.Contains(events, e => User(e) == "system:kube-controller-manager" && (string?)e["verb"] == "list" && (string?)e["objectRef"]?["resource"] == "replicasets");

        var refused = events
            .Where(e => (int?)e["responseStatus"]?["code"] == 403 && (ComponentUsers.Contains(User(e)) || User(e).StartsWith("system:serviceaccount:kube-system:", StringComparison.Ordinal)))
            .Select(e => $"{User(e)} {e["verb"]} {e["requestURI"]}")
            .ToList();
        Assert.True(refused.Count == 0, "components were refused:\n" + string.Join('\n', refused));
    }

    [Fact]
    public async Task ControllerServiceAccount_ListSecrets_IsForbiddenWhilePodsAreAllowed()
    {
        const string As = "--as=system:serviceaccount:kube-system:replicaset-controller";
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", "default", "get", "pods", As));

        var secrets = await Kubectl.RunAsync("-n", "default", "get", "secrets", As);

        Assert.NotEqual(0, secrets.ExitCode);
        Assert.Contains("Forbidden", secrets.Stderr, StringComparison.Ordinal);
        Assert.Contains("cannot list resource \"secrets\"", secrets.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControllerManagerAndSimulator_WritesBeyondTheirRoles_AreForbiddenAndNothingIsWritten()
    {
        // The manager may read everything (its shared informers) but writes only through its controllers' accounts.
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", "default", "get", "deployments", "--as=system:kube-controller-manager"));
        var create = await Kubectl.RunAsync("-n", "default", "create", "deployment", "sneaky", "--image=nginx", "--as=system:kube-controller-manager");
        Assert.NotEqual(0, create.ExitCode);
        Assert.Contains("cannot create resource \"deployments\"", create.Stderr, StringComparison.Ordinal);

        // The simulator reads a pod's secrets one by one, as a kubelet does; it may not list them.
        var list = await Kubectl.RunAsync("-n", "default", "get", "secrets", "--as=timonel:node-simulator");
        Assert.NotEqual(0, list.ExitCode);
        Assert.Contains("cannot list resource \"secrets\"", list.Stderr, StringComparison.Ordinal);

        var gone = await Kubectl.RunAsync("-n", "default", "get", "deployment", "sneaky");
        Assert.Contains("NotFound", gone.Stderr, StringComparison.Ordinal);
    }

    private List<JsonObject> ReadAudit()
    {
        var path = cluster.AuditLog;
        // Shared read: the server keeps the file open for appending.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var events = new List<JsonObject>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && JsonNode.Parse(line) is JsonObject e)
            {
                events.Add(e);
            }
        }

        return events;
    }

    /// <summary>The distinct users whose <paramref name="verb"/> of a resource in the test namespace succeeded.</summary>
    private static List<string> WritersOf(List<JsonObject> events, string verb, string resource, string? subresource) =>
        [.. events
            .Where(e => (string?)e["verb"] == verb
                && (string?)e["objectRef"]?["resource"] == resource
                && (string?)e["objectRef"]?["subresource"] == subresource
                && (string?)e["objectRef"]?["namespace"] == Ns
                && (int?)e["responseStatus"]?["code"] is >= 200 and < 300)
            .Select(User)
            .Distinct()
            .Order(StringComparer.Ordinal)];

    private static string User(JsonObject e) => (string?)e["user"]?["username"] ?? "";
}
