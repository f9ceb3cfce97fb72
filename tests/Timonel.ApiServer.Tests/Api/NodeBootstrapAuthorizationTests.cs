using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// The kubelet's TLS bootstrap under `timonel server`'s authorization (Node,RBAC with the bootstrap
/// policy): the join token is a bootstrapper that may only request a node client certificate, and
/// a node's certificate carries what the agent's kubelet, service proxy and DNS server need.
/// </summary>
public sealed class NodeBootstrapAuthorizationTests(NodeAuthorizationFixture fx) : IClassFixture<NodeAuthorizationFixture>, IDisposable
{
    private const string Csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    private readonly ApiClient _token = new(fx.Host.Url, fx.Host.Pki.ServerCaPem, fx.Host.Pki.JoinToken.Format());

    public void Dispose() => _token.Dispose();

    [Fact]
    public async Task SelfSubjectReview_JoinToken_IsTheBootstrapUserNotAMaster()
    {
        var review = await _token.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" });

        ApiAssert.Code(201, review);
        var user = review.Object["status"]!["userInfo"]!;
        Assert.Matches("^system:bootstrap:[a-z0-9]{6}$", (string?)user["username"]);
        Assert.Equal(["system:bootstrappers", "system:bootstrappers:timonel:default-node-token", "system:authenticated"], user["groups"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task CreateCsr_JoinTokenNodeClientRequest_CreatedAndReadable()
    {
        var created = await _token.PostAsync(Csrs, NodeClientCsr("bootstrap-csr-node"));

        ApiAssert.Code(201, created);
        var read = await _token.GetAsync($"{Csrs}/{created.Name}");
        ApiAssert.Code(200, read);
        Assert.StartsWith("system:bootstrap:", (string?)read.Object["spec"]!["username"], StringComparison.Ordinal);
        Assert.Contains("system:bootstrappers", read.Object["spec"]!["groups"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task ListSecrets_JoinToken_Forbidden()
    {
        // The admin can: the refusal is the token's.
        ApiAssert.Code(200, await fx.Client.GetAsync("/api/v1/secrets"));

        var refused = await _token.GetAsync("/api/v1/secrets");

        ApiAssert.Failure(refused, 403, "Forbidden", "system:bootstrap:", "cannot list resource \"secrets\"");
    }

    [Fact]
    public async Task CreatePod_JoinToken_ForbiddenNothingWritten()
    {
        var ns = await fx.NamespaceAsync("boot-pod");

        var refused = await ApiAssert.NoWriteAsync(fx, () => _token.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("p")));

        ApiAssert.Failure(refused, 403, "Forbidden", "cannot create resource \"pods\"");
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/p"));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("p")));
    }

    [Fact]
    public async Task PatchNode_JoinToken_ForbiddenNothingWritten()
    {
        ApiAssert.Code(201, await fx.Client.PostAsync("/api/v1/nodes", Node("boot-node")));

        var refused = await ApiAssert.NoWriteAsync(fx, () => _token.PatchAsync("/api/v1/nodes/boot-node", """{"metadata":{"labels":{"stolen":"yes"}}}""", ApiClient.MergePatch));

        ApiAssert.Failure(refused, 403, "Forbidden", "cannot patch resource \"nodes\"");
        Assert.Null((await fx.Client.GetAsync("/api/v1/nodes/boot-node")).Object["metadata"]!["labels"]?["stolen"]);
        ApiAssert.Code(200, await fx.Client.PatchAsync("/api/v1/nodes/boot-node", """{"metadata":{"labels":{"stolen":"yes"}}}""", ApiClient.MergePatch));
    }

    [Theory]
    [InlineData("/api/v1/services")]
    [InlineData("/api/v1/namespaces")]
    [InlineData("/apis/discovery.k8s.io/v1/endpointslices")]
    [InlineData("/api/v1/persistentvolumes")]
    [InlineData("/api/v1/nodes")]
    [InlineData("/api/v1/pods")]
    [InlineData("/apis/networking.k8s.io/v1/networkpolicies")]
    public async Task ListAndWatch_NodeCertificate_ServiceProxyAndDnsInformersAllowed(string path)
    {
        var node = fx.NodeClient("informer-node");
        // A bootstrapper (no node) is refused the same: the rights come with the node's group.
        ApiAssert.Code(403, await _token.GetAsync(path));

        ApiAssert.Code(200, await node.GetAsync(path));
        await using var watch = await node.WatchAsync(path + "?watch=true&timeoutSeconds=1", CancellationToken.None);
    }

    [Fact]
    public async Task CreateNetworkPolicy_NodeCertificate_ForbiddenNothingWritten()
    {
        var node = fx.NodeClient("netpol-node");
        var ns = await fx.NamespaceAsync("netpol");
        var policy = System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"open"},"spec":{"podSelector":{}}}""")!;

        // The policy controller only reads policies: a node may not write one.
        var refused = await ApiAssert.NoWriteAsync(fx, () => node.PostAsync($"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", policy));

        ApiAssert.Failure(refused, 403, "Forbidden", "cannot create resource \"networkpolicies\"");
        ApiAssert.Code(404, await fx.Client.GetAsync($"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies/open"));
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", policy.DeepClone()));
    }

    [Fact]
    public async Task GetAuthenticationConfigMap_NodeCertificate_AllowedOtherConfigMapsNot()
    {
        var node = fx.NodeClient("ca-node");
        ApiAssert.Code(201, await fx.Client.PostAsync("/api/v1/namespaces/kube-system/configmaps", TestObjects.ConfigMap("not-for-nodes")));

        ApiAssert.Code(200, await node.GetAsync("/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication"));
        ApiAssert.Code(403, await node.GetAsync("/api/v1/namespaces/kube-system/configmaps/not-for-nodes"));
    }

    [Fact]
    public async Task ListSecrets_NodeCertificate_ForbiddenClusterWide()
    {
        var node = fx.NodeClient("secret-node");

        var refused = await node.GetAsync("/api/v1/secrets");

        ApiAssert.Failure(refused, 403, "Forbidden", "system:node:secret-node", "cannot list resource \"secrets\"");
    }

    [Fact]
    public async Task EnsureDnsEndpointSlice_NodeCertificate_CreatesAndDeletesItsSlice()
    {
        var node = fx.NodeClient("dns-node");
        const string Path = "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices";
        var slice = new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject { ["name"] = "kube-dns-dns-node", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = "kube-dns" } },
            ["addressType"] = "IPv4",
            ["endpoints"] = new JsonArray(new JsonObject { ["addresses"] = new JsonArray("10.0.0.9"), ["nodeName"] = "dns-node" }),
        };
        // Elsewhere than kube-system a node may not write slices.
        ApiAssert.Code(403, await node.PostAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", slice));

        ApiAssert.Code(201, await node.PostAsync(Path, slice));
        ApiAssert.Code(200, await node.GetAsync($"{Path}/kube-dns-dns-node"));
        ApiAssert.Code(200, await node.DeleteAsync($"{Path}/kube-dns-dns-node"));
    }

    private static JsonObject Node(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Node",
        ["metadata"] = new JsonObject { ["name"] = name },
    };

    internal static JsonObject NodeClientCsr(string nodeName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("system:nodes");
        subject.AddCommonName("system:node:" + nodeName);
        var pem = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        return new JsonObject
        {
            ["apiVersion"] = "certificates.k8s.io/v1",
            ["kind"] = "CertificateSigningRequest",
            ["metadata"] = new JsonObject { ["generateName"] = "node-csr-" },
            ["spec"] = new JsonObject
            {
                ["signerName"] = "kubernetes.io/kube-apiserver-client-kubelet",
                ["request"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(pem)),
                ["usages"] = new JsonArray("digital signature", "client auth"),
            },
        };
    }
}
