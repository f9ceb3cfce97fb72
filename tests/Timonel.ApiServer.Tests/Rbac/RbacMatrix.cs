using Timonel.Testing;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>What a kubectl run showed the server decided.</summary>
public enum Outcome
{
    /// <summary>The request was carried out (exit 0; `auth can-i` said yes).</summary>
    Allowed,

    /// <summary>403 (kubectl's "Error from server (Forbidden)"; `auth can-i` said no).</summary>
    Forbidden,

    /// <summary>401: no identity.</summary>
    Unauthorized,

    /// <summary>Anything else (NotFound, Invalid, a crash): neither a right allow nor a right deny.</summary>
    Failed,
}

/// <summary>How a cell's kubectl run is judged.</summary>
public enum Judging
{
    /// <summary>Exit 0 is allowed; Forbidden / Unauthorized in stderr are the refusals.</summary>
    Exit,

    /// <summary>`kubectl auth can-i`: "yes" (exit 0) allowed, "no" (exit 1) forbidden.</summary>
    CanI,

    /// <summary>
    /// A request the server would forward to a node's kubelet or a pod (logs, exec, the proxy
    /// subresources): the nodes' and pods' addresses are not dialable from the test server, so an
    /// allowed request ends in the server's dial refusal, which is what proves it passed
    /// authorization and was routed.
    /// </summary>
    ReachesNode,
}

/// <summary>
/// One row of the expected table: a kubectl command (placeholders {A}, {B} for the namespaces,
/// {id} for the identity key, to keep created names apart) and the expected outcome per identity,
/// in the order of <see cref="RbacMatrix.Columns"/>: A allowed, D denied (403), U unauthenticated (401).
/// </summary>
public sealed record MatrixRow(string Kind, string Verb, string Command, string Expect, string? Stdin = null, Judging Judging = Judging.Exit);

/// <summary>One kubectl run of the matrix: an identity, a row, what was expected.</summary>
public sealed record MatrixCell(string Identity, MatrixRow Row, Outcome Expected, string[] Args, string? Stdin);

/// <summary>The RBAC matrix's table and its judging.</summary>
public static class RbacMatrix
{
    /// <summary>The identity columns of <see cref="MatrixRow.Expect"/>.</summary>
    public static readonly string[] Columns = ["admin", "alice", "victor", "sa", "node", "anon"];

    /// <summary>
    /// How the server's kubelet connection ends here (Timonel's KubeletConnector): the test
    /// server may connect to loopback only and the nodes' addresses are TEST-NET ones.
    /// </summary>
    public const string DialRefused = "are not allowed from this server";

    private const string PodJson = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-{id}"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""";
    private const string EventJson = """{"apiVersion":"v1","kind":"Event","metadata":{"name":"ev-{id}"},"involvedObject":{"kind":"Pod","name":"p1","namespace":"{A}"},"reason":"Matrix","message":"m","type":"Normal"}""";
    private const string LeaseJson = """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"lease-{id}"},"spec":{"holderIdentity":"x"}}""";
    // Whole objects for PUT .../status (kubectl replace --raw): kubectl patch --subresource=status
    // first GETs the subresource, which a kubelet may not (upstream's node authorizer refuses
    // subresource gets), so a status patch could not show what the node may write.
    private const string PodStatus = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"POD","namespace":"{A}"},"spec":{"nodeName":"NODE","containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Running","podIP":"192.0.2.101","podIPs":[{"ip":"192.0.2.101"}],"conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"c","image":"busybox","imageID":"","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}""";
    private const string NodeStatus = """{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1"},"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"conditions":[{"type":"MatrixCheck","status":"True","reason":"Matrix","lastHeartbeatTime":null,"lastTransitionTime":null}]}}""";

    /// <summary>
    /// The expected table, from upstream's documentation: the user-facing roles (admin: read/write
    /// in the namespace incl. roles and bindings, no namespace or quota writes; view: read-only
    /// without secrets, roles or bindings), the Node authorizer (a kubelet reads its own Node,
    /// pods bound to it and the secrets/configmaps/tokens they use, writes its Node, its pods'
    /// status, its Lease, events and CSRs, NodeRestriction narrowing writes to itself),
    /// system:basic-user / system:discovery / system:public-info-viewer for every authenticated
    /// user, system:monitoring (/metrics) for nobody but its group. The anon column is a client
    /// certificate of a CA the cluster does not trust (kubectl itself will not send a request
    /// without credentials: it prompts for a username and password): kube-apiserver's x509
    /// authenticator fails it, and a failed credential is 401 everywhere, /healthz and /version
    /// included; only a request with no credentials at all is anonymous there (see
    /// Anonymous_NoCredentials_KubectlPrompts_Server401ButForHealthAndVersion).
    /// Columns: admin alice victor sa node anon.
    /// </summary>
    public static readonly MatrixRow[] Rows =
    [
        new("pods", "get", "get pod p1 -n {A}", "A A A D A U"),
        new("pods", "get", "get pod p2 -n {A}", "A A A D D U"),
        // Nodes list and watch all pods, as upstream's node rules grant (the agent's network
        // policy controller needs peers on other nodes); docs/network-policy.md.
        new("pods", "list", "get pods -n {A}", "A A A D A U"),
        new("pods", "list", "get pods -n {B}", "A D D D A U"),
        new("pods", "list", "get pods -A --field-selector spec.nodeName=node-1", "A D D D A U"),
        new("pods", "create", "create -n {A} --validate=false -f -", "A A D D D U", PodJson),
        // p2, not p1: node-1 writes p1's whole status alongside, which NodeRestriction refuses when its labels differ.
        new("pods", "patch", "label pod p2 -n {A} m-{id}=y --overwrite", "A A D D D U"),
        new("pods", "delete", "delete pod p1 -n {A} --dry-run=server", "A A D D A U"),
        new("pods", "delete", "delete pod p2 -n {A} --dry-run=server", "A A D D D U"),

        new("pods/log", "get", "logs p1 -n {A}", "A A A D D U", Judging: Judging.ReachesNode),
        new("pods/log", "create", "auth can-i create pods --subresource=log -n {A}", "A D D D D U", Judging: Judging.CanI),

        new("pods/exec", "create", "exec p1 -n {A} -- true", "A A D D D U", Judging: Judging.ReachesNode),
        new("pods/exec", "get", "auth can-i get pods --subresource=exec -n {A}", "A A D D D U", Judging: Judging.CanI),

        new("pods/status", "get", "get pod p1 -n {A} --subresource=status", "A A A D D U"),
        new("pods/status", "update", "replace --raw /api/v1/namespaces/{A}/pods/p1/status -f -", "A D D D A U", PodStatus.Replace("POD", "p1", StringComparison.Ordinal).Replace("NODE", "node-1", StringComparison.Ordinal)),
        new("pods/status", "update", "replace --raw /api/v1/namespaces/{A}/pods/p2/status -f -", "A D D D D U", PodStatus.Replace("POD", "p2", StringComparison.Ordinal).Replace("NODE", "node-2", StringComparison.Ordinal)),

        new("secrets", "get", "get secret s1 -n {A}", "A A D D A U"),
        new("secrets", "get", "get secret s2 -n {A}", "A A D D D U"),
        new("secrets", "list", "get secrets -n {A}", "A A D D D U"),
        new("secrets", "list", "get secrets -n {B}", "A D D D D U"),
        new("secrets", "create", "create secret generic sec-{id} -n {A} --from-literal=k=v", "A A D D D U"),
        new("secrets", "delete", "delete secret s1 -n {A} --dry-run=server", "A A D D D U"),

        new("configmaps", "get", "get configmap cm1 -n {A}", "A A A D D U"),
        new("configmaps", "get", "get configmap cm-node -n {A}", "A A A D A U"),
        new("configmaps", "list", "get configmaps -n {A}", "A A A D D U"),
        new("configmaps", "create", "create configmap cm-{id} -n {A} --from-literal=k=v", "A A D D D U"),
        new("configmaps", "patch", "label configmap cm1 -n {A} m-{id}=y --overwrite", "A A D D D U"),

        new("services", "get", "get service svc1 -n {A}", "A A A D A U"),
        new("services", "list", "get services -n {A}", "A A A D A U"),
        new("services", "create", "create service clusterip svc-{id} --tcp=80 -n {A}", "A A D D D U"),

        new("deployments", "get", "get deployment d1 -n {A}", "A A A D D U"),
        new("deployments", "list", "get deployments -n {A}", "A A A D D U"),
        new("deployments", "create", "create deployment dep-{id} --image=busybox -n {A}", "A A D D D U"),
        new("deployments", "patch", "label deployment d1 -n {A} m-{id}=y --overwrite", "A A D D D U"),

        new("deployments/scale", "get", "get --raw /apis/apps/v1/namespaces/{A}/deployments/d1/scale", "A A A D D U"),
        new("deployments/scale", "patch", "scale deployment d1 --replicas=1 -n {A}", "A A D D D U"),

        new("nodes", "get", "get node node-1", "A D D D A U"),
        new("nodes", "get", "get node node-2", "A D D D D U"),
        // Nodes list all Nodes here (the agent's routes to other nodes' pod CIDRs need them; a
        // node still cannot get another node by name); docs/limits.md.
        new("nodes", "list", "get nodes", "A D D D A U"),
        new("nodes", "patch", "label node node-1 m-{id}=y --overwrite", "A D D D A U"),
        new("nodes", "delete", "delete node node-1 --dry-run=server", "A D D D D U"),

        new("nodes/status", "get", "get node node-1 --subresource=status", "A D D D D U"),
        new("nodes/status", "update", "replace --raw /api/v1/nodes/node-1/status -f -", "A D D D A U", NodeStatus),

        new("nodes/proxy", "get", "get --raw /api/v1/nodes/node-1/proxy/healthz", "A D D D D U", Judging: Judging.ReachesNode),
        new("nodes/proxy", "get", "get --raw /api/v1/nodes/node-1:10250/proxy/stats/summary", "A D D D D U", Judging: Judging.ReachesNode),
        new("nodes/proxy", "create", "create --raw /api/v1/nodes/node-1/proxy/run -f -", "A D D D D U", "{}", Judging.ReachesNode),
        new("nodes/proxy", "create", "auth can-i create nodes --subresource=proxy", "A D D D D U", Judging: Judging.CanI),

        // admin and edit may proxy to pods and services; view may not (upstream's aggregate-to-edit).
        new("pods/proxy", "get", "get --raw /api/v1/namespaces/{A}/pods/p1/proxy/", "A A D D D U", Judging: Judging.ReachesNode),
        new("pods/proxy", "create", "create --raw /api/v1/namespaces/{A}/pods/p1:8080/proxy/form -f -", "A A D D D U", "{}", Judging.ReachesNode),
        new("pods/proxy", "get", "auth can-i get pods --subresource=proxy -n {B}", "A D D D D U", Judging: Judging.CanI),
        new("services/proxy", "get", "get --raw /api/v1/namespaces/{A}/services/svc1/proxy/", "A A D D D U", Judging: Judging.ReachesNode),
        new("services/proxy", "delete", "delete --raw /api/v1/namespaces/{A}/services/http:svc1:80/proxy/item", "A A D D D U", Judging: Judging.ReachesNode),

        new("namespaces", "get", "get namespace {A}", "A A A D D U"),
        new("namespaces", "get", "get namespace {B}", "A D D D D U"),
        // Nodes list namespaces here: the cluster DNS server runs inside every agent with the
        // node's credential (upstream's CoreDNS has its own account); docs/limits.md.
        new("namespaces", "list", "get namespaces", "A D D D A U"),
        new("namespaces", "create", "create namespace ns-{id}", "A D D D D U"),
        new("namespaces", "delete", "delete namespace {A} --dry-run=server", "A D D D D U"),

        new("roles", "get", "get role cm-reader -n {A}", "A A D D D U"),
        new("roles", "list", "get roles -n {A}", "A A D D D U"),
        new("roles", "create", "create role r-{id} --verb=get --resource=configmaps -n {A}", "A A D D D U"),
        new("roles", "delete", "delete role cm-reader -n {A} --dry-run=server", "A A D D D U"),

        new("rolebindings", "get", "get rolebinding alice-admin -n {A}", "A A D D D U"),
        new("rolebindings", "list", "get rolebindings -n {A}", "A A D D D U"),
        new("rolebindings", "create", "create rolebinding rb-{id} --role=cm-reader --user=someone -n {A}", "A A D D D U"),
        new("rolebindings", "create", "create rolebinding rb-{id} --clusterrole=view --user=someone -n {B}", "A D D D D U"),

        new("clusterroles", "get", "get clusterrole view", "A D D D D U"),
        new("clusterroles", "list", "get clusterroles", "A D D D D U"),
        new("clusterroles", "create", "create clusterrole cr-{id} --verb=get --resource=configmaps", "A D D D D U"),

        new("clusterrolebindings", "get", "get clusterrolebinding system:basic-user", "A D D D D U"),
        new("clusterrolebindings", "list", "get clusterrolebindings", "A D D D D U"),
        new("clusterrolebindings", "create", "create clusterrolebinding crb-{id} --clusterrole=view --user=someone", "A D D D D U"),

        new("certificatesigningrequests", "get", "get csr approve-admin", "A D D D A U"),
        new("certificatesigningrequests", "list", "get csr", "A D D D A U"),
        new("certificatesigningrequests", "create", "create --validate=false -f -", "A D D D A U", "{csr}"),
        new("certificatesigningrequests/approval", "update", "certificate approve approve-{id}", "A D D D D U"),
        new("certificatesigningrequests/approval", "create", "auth can-i update certificatesigningrequests.certificates.k8s.io --subresource=approval", "A D D D D U", Judging: Judging.CanI),

        new("serviceaccounts/token", "create", "create token app -n {A}", "A A D D D U"),
        new("serviceaccounts/token", "create", "create token app -n {A} --bound-object-kind=Pod --bound-object-name=p1 --bound-object-uid={p1uid}", "A A D D A U"),
        new("serviceaccounts/token", "get", "auth can-i get serviceaccounts --subresource=token -n {A}", "A D D D D U", Judging: Judging.CanI),

        new("events", "list", "get events -n {A}", "A A A D D U"),
        new("events", "create", "create -n {A} --validate=false -f -", "A A D D A U", EventJson),

        new("leases", "get", "get lease node-1 -n kube-node-lease", "A D D D A U"),
        new("leases", "get", "get lease node-2 -n kube-node-lease", "A D D D D U"),
        new("leases", "patch", "label lease node-1 -n kube-node-lease m-{id}=y --overwrite", "A D D D A U"),
        new("leases", "list", "get leases -n {A}", "A A D D D U"),
        new("leases", "create", "create -n {A} --validate=false -f -", "A A D D D U", LeaseJson),

        new("nonResourceURLs", "get", "get --raw /healthz", "A A A A A U"),
        new("nonResourceURLs", "get", "get --raw /version", "A A A A A U"),
        new("nonResourceURLs", "get", "get --raw /api", "A A A A A U"),
        new("nonResourceURLs", "get", "get --raw /metrics", "A D D D D U"),
        new("nonResourceURLs", "post", "auth can-i post /healthz", "A D D D D U", Judging: Judging.CanI),

        new("impersonation", "impersonate users", "get --raw /version --as=victor", "A D D D D U"),
        new("impersonation", "impersonate groups", "get --raw /version --as=victor --as-group=g1", "A D D D D U"),
        new("impersonation", "impersonate serviceaccounts", "get --raw /version --as=system:serviceaccount:{A}:app", "A A D D D U"),
        new("impersonation", "impersonate serviceaccounts", "get --raw /version --as=system:serviceaccount:{B}:default", "A D D D D U"),
    ];

    /// <summary>Kinds run also through the `--as` rows (a representative subset, to keep the matrix fast).</summary>
    public static readonly string[] ImpersonatedKinds = ["pods", "secrets", "namespaces", "rolebindings", "nodes", "nonResourceURLs", "services/proxy"];

    public static Outcome Expectation(char letter) => letter switch
    {
        'A' => Outcome.Allowed,
        'D' => Outcome.Forbidden,
        'U' => Outcome.Unauthorized,
        _ => throw new ArgumentException($"unknown expectation '{letter}'", nameof(letter)),
    };

    /// <summary>The expectation of <paramref name="row"/> for the identity of column <paramref name="column"/>.</summary>
    public static Outcome Expected(MatrixRow row, string column)
    {
        var letters = row.Expect.Split(' ');
        if (letters.Length != Columns.Length)
        {
            throw new ArgumentException($"row '{row.Command}' has {letters.Length} expectations for {Columns.Length} identities");
        }

        return Expectation(letters[Array.IndexOf(Columns, column)][0]);
    }

    /// <summary>The command's arguments with the placeholders filled in (split on spaces: no argument in the table holds one).</summary>
    public static string[] Arguments(string command, string a, string b, string id, string p1Uid = "") =>
        Fill(command, a, b, id, p1Uid).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static string Fill(string text, string a, string b, string id, string p1Uid = "") =>
        text.Replace("{A}", a, StringComparison.Ordinal).Replace("{B}", b, StringComparison.Ordinal).Replace("{id}", id, StringComparison.Ordinal)
            .Replace("{p1uid}", p1Uid, StringComparison.Ordinal);

    /// <summary>What <paramref name="run"/> shows the server decided.</summary>
    public static Outcome Judge(KubectlRun run, Judging judging)
    {
        var stdout = run.Stdout.Trim();
        var stderr = string.Join('\n', run.Stderr.Split('\n').Where(l => !l.StartsWith("Warning: ", StringComparison.Ordinal))).Trim();
        if (judging == Judging.CanI)
        {
            if (run.ExitCode == 0 && stdout == "yes")
            {
                return Outcome.Allowed;
            }

            if (run.ExitCode == 1 && stdout.StartsWith("no", StringComparison.Ordinal) && stderr.Length == 0)
            {
                return Outcome.Forbidden;
            }
        }
        else if (run.ExitCode == 0)
        {
            return Outcome.Allowed;
        }

        // kubectl's create and scale commands print the bare reason: "error: failed to create configmap: Unauthorized".
        if (stderr.Contains("(Unauthorized)", StringComparison.Ordinal) || stderr.Contains("You must be logged in to the server", StringComparison.Ordinal)
            || stderr.EndsWith(" Unauthorized", StringComparison.Ordinal))
        {
            return Outcome.Unauthorized;
        }

        if (stderr.Contains("(Forbidden)", StringComparison.Ordinal) || stderr.Contains(" is forbidden: ", StringComparison.Ordinal))
        {
            return Outcome.Forbidden;
        }

        return judging switch
        {
            Judging.ReachesNode when stderr.Contains(DialRefused, StringComparison.Ordinal) => Outcome.Allowed,
            _ => Outcome.Failed,
        };
    }
}
