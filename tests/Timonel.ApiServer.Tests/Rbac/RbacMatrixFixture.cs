using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Tests.Api;
using Timonel.ApiServer.Tests.ServiceAccounts;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>
/// An API server with `timonel server`'s authorization (Node,RBAC, upstream's bootstrap policy,
/// NodeRestriction) and a small world for the RBAC matrix: namespace A where alice is admin and
/// victor views, namespace B where neither has a binding, ServiceAccount A/app, nodes node-1 and
/// node-2 with pods p1 (on node-1, using Secret s1 and ConfigMap cm-node) and p2 (on node-2,
/// using Secret s2), and one kubeconfig per identity as kubectl would use it.
/// Nodes have TEST-NET addresses (192.0.2.0/24) and the server may dial only loopback
/// (<see cref="ApiServerOptions.KubeletDialFilter"/>), so an allowed exec, log or node proxy
/// request is refused by the server before any connection is opened.
/// </summary>
public class RbacMatrixFixture : ApiServerFixture, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rbac-matrix-").FullName;

    public string A { get; private set; } = "";

    /// <summary>A directory for the manifests cells pass with -f (stdin stays free for kubectl's credential prompt).</summary>
    public string Dir => _dir;

    /// <summary>The UID of pod p1, for node-1's pod-bound token request.</summary>
    public string P1Uid { get; private set; } = "";

    public string B { get; private set; } = "";

    /// <summary>kubectl's HOME, shared by every identity so that the discovery cache filled once by the admin serves all.</summary>
    public string KubectlHome => Path.Combine(_dir, "home");

    public string AdminKubeconfig => Host.KubeconfigPath;

    public string AliceKubeconfig { get; private set; } = "";

    public string VictorKubeconfig { get; private set; } = "";

    public string NodeKubeconfig { get; private set; } = "";

    public string ServiceAccountKubeconfig { get; private set; } = "";

    /// <summary>A client certificate of a CA the cluster does not trust: no credentials, to kube-apiserver.</summary>
    public string AnonymousKubeconfig { get; private set; } = "";

    /// <summary>A kubeconfig with no credentials at all (kubectl prompts for a username instead of sending a request).</summary>
    public string NoUserKubeconfig { get; private set; } = "";

    /// <summary>A user with only `create rolebindings` in A and `bind` on ClusterRole view.</summary>
    public string BinderKubeconfig { get; private set; } = "";

    /// <summary>Identity keys for which a pending CSR "approve-&lt;key&gt;" exists.</summary>
    public static readonly string[] ApprovalKeys = ["admin", "alice", "victor", "sa", "node", "anon", "admin-as-alice", "alice-as-victor"];

    protected override ApiServerOptions Configure(ApiServerOptions options) =>
        options with { AuthorizationModes = AuthorizationModes.Parse(AuthorizationModes.ServerDefault) };

    public KubectlRunner Kubectl(string kubeconfig) => new(KubectlRunner.Latest, kubeconfig, KubectlHome);

    /// <summary>Sets up the world; called once per fixture by <see cref="InitializeWorldAsync"/>'s users.</summary>
    public async Task InitializeWorldAsync()
    {
        if (A.Length > 0)
        {
            return;
        }

        await AggregateUserFacingRolesAsync();
        A = await NamespaceAsync("matrix-a");
        B = await NamespaceAsync("matrix-b");
        await Admin(201, "/apis/rbac.authorization.k8s.io/v1/namespaces/" + A + "/rolebindings", Binding("alice-admin", "ClusterRole", "admin", "alice"));
        await Admin(201, "/apis/rbac.authorization.k8s.io/v1/namespaces/" + A + "/rolebindings", Binding("victor-view", "ClusterRole", "view", "victor"));
        await Admin(201, "/apis/rbac.authorization.k8s.io/v1/namespaces/" + A + "/roles", Json("""{"metadata":{"name":"cm-reader"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}]}"""));
        await ServiceAccountTestSupport.CreateAccountAsync(this, A, "app");

        foreach (var ns in new[] { A, B })
        {
            await Admin(201, $"/api/v1/namespaces/{ns}/secrets", Json("""{"metadata":{"name":"s1"},"stringData":{"k":"v"}}"""));
            await Admin(201, $"/api/v1/namespaces/{ns}/configmaps", Json("""{"metadata":{"name":"cm1"},"data":{"k":"v"}}"""));
        }

        await Admin(201, $"/api/v1/namespaces/{A}/secrets", Json("""{"metadata":{"name":"s2"},"stringData":{"k":"v"}}"""));
        await Admin(201, $"/api/v1/namespaces/{A}/configmaps", Json("""{"metadata":{"name":"cm-node"},"data":{"k":"v"}}"""));
        await Admin(201, $"/api/v1/namespaces/{A}/services", Json("""{"metadata":{"name":"svc1"},"spec":{"ports":[{"port":80}]}}"""));
        await Admin(201, $"/apis/apps/v1/namespaces/{A}/deployments", Json("""{"metadata":{"name":"d1"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"d1"}},"template":{"metadata":{"labels":{"app":"d1"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}"""));
        await Admin(201, $"/api/v1/namespaces/{A}/events", Json($$"""{"metadata":{"name":"e1"},"involvedObject":{"kind":"Pod","name":"p1","namespace":"{{A}}"},"reason":"Matrix","message":"m","type":"Normal"}"""));

        foreach (var (node, address) in new[] { ("node-1", "192.0.2.1"), ("node-2", "192.0.2.2") })
        {
            await Admin(201, "/api/v1/nodes", Json("""{"metadata":{"name":"NODE"},"status":{"addresses":[{"type":"InternalIP","address":"ADDRESS"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}""".Replace("NODE", node, StringComparison.Ordinal).Replace("ADDRESS", address, StringComparison.Ordinal)));
            await Admin(201, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", Json($$$"""{"metadata":{"name":"{{{node}}}"},"spec":{"holderIdentity":"{{{node}}}"}}"""));
        }

        await Admin(201, $"/api/v1/namespaces/{A}/pods", Pod("p1", "node-1", """[{"name":"s","secret":{"secretName":"s1"}},{"name":"c","configMap":{"name":"cm-node"}}]"""));
        await Admin(201, $"/api/v1/namespaces/{A}/pods", Pod("p2", "node-2", """[{"name":"s","secret":{"secretName":"s2"}}]"""));
        P1Uid = ApiResponse.Str((await Client.GetAsync($"/api/v1/namespaces/{A}/pods/p1")).Body?["metadata"]?["uid"])!;

        // Running, as a kubelet would report, so that logs and exec get as far as dialling the node.
        foreach (var pod in new[] { "p1", "p2" })
        {
            ApiAssert.Code(200, await Client.PatchAsync($"/api/v1/namespaces/{A}/pods/{pod}/status", RunningStatus, ApiClient.MergePatch));
        }

        await Admin(201, $"/api/v1/namespaces/{A}/endpoints", Json($$$"""{"metadata":{"name":"svc1"},"subsets":[{"addresses":[{"ip":"192.0.2.101","nodeName":"node-1","targetRef":{"kind":"Pod","namespace":"{{{A}}}","name":"p1"}}],"ports":[{"port":80,"protocol":"TCP"}]}]}"""));

        foreach (var key in ApprovalKeys)
        {
            await Admin(201, "/apis/certificates.k8s.io/v1/certificatesigningrequests", JsonNode.Parse(CsrJson("approve-" + key))!);
        }

        // The binder: may create rolebindings in A and bind ClusterRole view, and nothing else.
        await Admin(201, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{A}/roles", Json("""{"metadata":{"name":"binder"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["rolebindings"],"verbs":["create","get"]},{"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"],"verbs":["bind"],"resourceNames":["view"]}]}"""));
        await Admin(201, $"/apis/rbac.authorization.k8s.io/v1/namespaces/{A}/rolebindings", Binding("binder", "Role", "binder", "binder"));

        var token = await ServiceAccountTestSupport.TokenAsync(this, A, "app", ServiceAccountTestSupport.Request(bound: Json("""{"kind":"Pod","apiVersion":"v1","name":"p1"}""")));

        Directory.CreateDirectory(KubectlHome);
        AliceKubeconfig = await CertificateKubeconfigAsync("alice", []);
        VictorKubeconfig = await CertificateKubeconfigAsync("victor", []);
        BinderKubeconfig = await CertificateKubeconfigAsync("binder", []);
        NodeKubeconfig = await CertificateKubeconfigAsync("system:node:node-1", ["system:nodes"]);
        ServiceAccountKubeconfig = await WriteKubeconfigAsync("sa", $"    token: {token}\n");
        NoUserKubeconfig = await WriteKubeconfigAsync("anon", null);
        using (var stranger = CertificateIssuer.CreateAuthority("stranger-ca", DateTimeOffset.UtcNow, TimeSpan.FromHours(1)))
        {
            AnonymousKubeconfig = await CertificateKubeconfigAsync("mallory", [], stranger);
        }

        // Fill the shared discovery cache as the admin, so that kubectl's later runs (some as
        // identities that may not read discovery) go straight to the request under test.
        var warm = await Kubectl(AdminKubeconfig).RunAsync("api-resources");
        Assert.True(warm.ExitCode == 0, warm.Stderr);
    }

    /// <summary>
    /// A pod status with container "c" running (what a status write in the matrix keeps, as logs
    /// and exec cells run alongside) and a TEST-NET pod IP, so that pods/proxy and services/proxy
    /// (svc1's Endpoints point at p1) get as far as the server's dial refusal.
    /// </summary>
    public const string RunningStatus = """{"status":{"phase":"Running","podIP":"192.0.2.101","podIPs":[{"ip":"192.0.2.101"}],"conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"c","image":"busybox","imageID":"","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}""";

    /// <summary>A certificates.k8s.io/v1 CSR named <paramref name="name"/> for a client certificate.</summary>
    public static string CsrJson(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes(request));
        return $$$"""{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"{{{name}}}"},"spec":{"request":"{{{encoded}}}","signerName":"kubernetes.io/kube-apiserver-client","usages":["client auth"]}}""";
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir is harmless.
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// What kube-controller-manager's clusterrole-aggregation controller does on a full server
    /// (this in-process one runs no controllers): view, edit and admin get the rules of the
    /// ClusterRoles their aggregationRule selects, in that order since view feeds edit and edit admin.
    /// </summary>
    private async Task AggregateUserFacingRolesAsync()
    {
        const string Rbac = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
        foreach (var name in new[] { "view", "edit", "admin" })
        {
            var role = (await Client.GetAsync($"{Rbac}/{name}")).Object;
            var rules = new JsonArray();
            foreach (var selector in role["aggregationRule"]!["clusterRoleSelectors"]!.AsArray())
            {
                var labels = string.Join(',', selector!["matchLabels"]!.AsObject().Select(l => $"{l.Key}={l.Value}"));
                foreach (var item in (await Client.GetAsync($"{Rbac}?labelSelector={Uri.EscapeDataString(labels)}")).Object["items"]!.AsArray())
                {
                    foreach (var rule in item!["rules"]?.AsArray() ?? [])
                    {
                        if (!rules.Any(r => JsonNode.DeepEquals(r, rule)))
                        {
                            rules.Add(rule!.DeepClone());
                        }
                    }
                }
            }

            role["rules"] = rules;
            ApiAssert.Code(200, await Client.PutAsync($"{Rbac}/{name}", role));
        }
    }

    private async Task<string> CertificateKubeconfigAsync(string user, string[] groups, X509Certificate2? authority = null)
    {
        using var certificate = CertificateIssuer.IssueClient(authority ?? Host.Pki.ClientCa, user, groups, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        using var key = certificate.GetECDsaPrivateKey()!;
        var path = Path.Combine(_dir, user.Replace(':', '-') + ".kubeconfig");
        await File.WriteAllTextAsync(path, KubeconfigWriter.Render(Host.Url, Host.Pki.ServerCaPem, certificate.ExportCertificatePem() + "\n", PkiFiles.KeyPem(key), user.Replace(':', '-')));
        return path;
    }

    /// <summary>A kubeconfig trusting the cluster CA with <paramref name="credential"/> (YAML lines under user:) or no credential at all.</summary>
    private async Task<string> WriteKubeconfigAsync(string name, string? credential)
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(Host.Pki.ServerCaPem));
        var user = credential is null ? "  user: {}\n" : "  user:\n" + credential;
        var path = Path.Combine(_dir, name + ".kubeconfig");
        await File.WriteAllTextAsync(path, $"apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: \"{Host.Url}\"\n  name: c\ncontexts:\n- context:\n    cluster: c\n    user: {name}\n  name: c\ncurrent-context: c\nusers:\n- name: {name}\n{user}");
        return path;
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    private static JsonObject Binding(string name, string roleKind, string role, string user) =>
        RbacFixture.BindingObject("RoleBinding", name, roleKind, role, RbacFixture.User(user));

    private static JsonObject Pod(string name, string node, string volumes) =>
        Json($$$"""{"metadata":{"name":"{{{name}}}"},"spec":{"nodeName":"{{{node}}}","serviceAccountName":"app","containers":[{"name":"c","image":"busybox"}],"volumes":{{{volumes}}}}}""");

    private async Task Admin(int code, string path, JsonNode body) => ApiAssert.Code(code, await Client.PostAsync(path, body));
}
