using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.ApiServer.Security;
using Timonel.Client.Certificates;
using Timonel.Controllers.Certificates;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Certificates;

/// <summary>
/// csrsigning and csrapproving against an in-process server, driven by the real kubectl:
/// create a CSR, approve or deny it, and use the certificate the cluster issues.
/// </summary>
public sealed class CsrControllersTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SigningDuration = TimeSpan.FromHours(2);
    private ControllerHarness _harness = null!;
    private KubectlRunner _kubectl = null!;
    private string _dir = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync()
    {
        _harness = await ControllerHarness.StartAsync(
            new ControllerManagerOptions { ClusterSigningDuration = SigningDuration },
            TimeProvider.System,
            null,
            c => new CsrSigningAuthorities(c.Host.Pki.ClientCa, c.Host.Pki.ServerCa),
            "csrsigning",
            "csrapproving");
        _dir = Directory.CreateTempSubdirectory("timonel-csr-").FullName;
        _kubectl = new KubectlRunner(KubectlRunner.Latest, _harness.Cluster.KubeconfigPath, _dir);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task KubectlApprove_ClientCsr_CertificateAuthenticatesAsUserWithGroups()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await KubectlCreateAsync("jane-csr", Request(key, "jane", "devs", "ops"), CsrSigners.KubeApiServerClient, ["client auth"]);

        await KubectlOkAsync("certificate", "approve", "jane-csr");
        var certificatePem = await WaitCertificateAsync("jane-csr");

        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        Assert.True(IsSignedBy(certificate, _harness.Cluster.Host.Pki.ClientCa));
        var whoami = await WhoAmIAsync(certificatePem, key.ExportECPrivateKeyPem(), "jane");
        Assert.Equal("jane", (string?)whoami["username"]);
        var groups = whoami["groups"]!.AsArray().Select(g => (string?)g).ToList();
        Assert.Contains("devs", groups);
        Assert.Contains("ops", groups);
        Assert.Contains("system:authenticated", groups);
    }

    [Fact]
    public async Task KubectlDeny_ClientCsr_NoCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await KubectlCreateAsync("denied-csr", Request(key, "mallory"), CsrSigners.KubeApiServerClient, ["client auth"]);
        await KubectlOkAsync("certificate", "deny", "denied-csr");
        // A request approved after the denial is signed: once it is, the signer has seen both.
        await KubectlCreateAsync("after-denied-csr", Request(key, "bob"), CsrSigners.KubeApiServerClient, ["client auth"]);
        await KubectlOkAsync("certificate", "approve", "after-denied-csr");
        await WaitCertificateAsync("after-denied-csr");

        var denied = await Client.CertificatesV1.ReadCertificateSigningRequestAsync("denied-csr");

        Assert.Null(denied.Status.Certificate);
        Assert.Contains(denied.Status.Conditions, c => c.Type == "Denied" && c.Reason == "KubectlDeny");
        Assert.DoesNotContain(denied.Status.Conditions, c => c.Type == "Failed");
    }

    [Fact]
    public async Task Approve_ClientCsrWithServerAuthUsage_FailedWithoutCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await KubectlCreateAsync("bad-usage-csr", Request(key, "jane"), CsrSigners.KubeApiServerClient, ["client auth", "server auth"]);
        await KubectlOkAsync("certificate", "approve", "bad-usage-csr");

        var failed = await WaitConditionAsync("bad-usage-csr", "Failed");

        Assert.Equal("SignerValidationFailure", failed.Reason);
        Assert.Equal("invalid usage for client certificate: server auth", failed.Message);
        Assert.Null((await Client.CertificatesV1.ReadCertificateSigningRequestAsync("bad-usage-csr")).Status.Certificate);
    }

    [Fact]
    public async Task KubeletClientCsr_RequesterMayCreateNodeClient_AutoApprovedAndSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await KubectlCreateAsync("node-csr", Request(key, "system:node:worker-1", CsrSigners.NodesGroup), CsrSigners.KubeApiServerClientKubelet, ["digital signature", "client auth"]);

        var approved = await WaitConditionAsync("node-csr", "Approved");
        var pem = await WaitCertificateAsync("node-csr");

        Assert.Equal("AutoApproved", approved.Reason);
        Assert.Equal("Auto approving kubelet client certificate after SubjectAccessReview.", approved.Message);
        using var certificate = X509Certificate2.CreateFromPem(pem);
        Assert.Equal("system:node:worker-1", certificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.True(IsSignedBy(certificate, _harness.Cluster.Host.Pki.ClientCa));
    }

    [Fact]
    public async Task KubeletClientCsr_NodeRenewingItsOwn_AutoApprovedAsSelfNodeClient()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Created as the node itself (impersonated), so spec.username equals the requested CN.
        await KubectlCreateAsync("self-node-csr", Request(key, "system:node:worker-9", CsrSigners.NodesGroup), CsrSigners.KubeApiServerClientKubelet, ["digital signature", "client auth"],
            extraArgs: ["--as", "system:node:worker-9", "--as-group", "system:nodes"]);

        var approved = await WaitConditionAsync("self-node-csr", "Approved");

        Assert.Equal("AutoApproved", approved.Reason);
        Assert.Equal("Auto approving self kubelet client certificate after SubjectAccessReview.", approved.Message);
        Assert.Equal("system:node:worker-9", (await Client.CertificatesV1.ReadCertificateSigningRequestAsync("self-node-csr")).Spec.Username);
        await WaitCertificateAsync("self-node-csr");
    }

    [Fact]
    public async Task KubeletClientCsr_WrongOrganization_NotAutoApprovedAndFailsOnceApproved()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await KubectlCreateAsync("node-bad-org-csr", Request(key, "system:node:worker-2", "system:masters"), CsrSigners.KubeApiServerClientKubelet, ["digital signature", "client auth"]);
        // A valid kubelet request created after it is approved: the approver has seen both by then.
        await KubectlCreateAsync("node-good-csr", Request(key, "system:node:worker-3", CsrSigners.NodesGroup), CsrSigners.KubeApiServerClientKubelet, ["digital signature", "client auth"]);
        await WaitConditionAsync("node-good-csr", "Approved");
        Assert.Null((await Client.CertificatesV1.ReadCertificateSigningRequestAsync("node-bad-org-csr")).Status?.Conditions);

        await KubectlOkAsync("certificate", "approve", "node-bad-org-csr");
        var failed = await WaitConditionAsync("node-bad-org-csr", "Failed");

        Assert.Equal("SignerValidationFailure", failed.Reason);
        Assert.Equal("subject organization is not system:nodes", failed.Message);
        Assert.Null((await Client.CertificatesV1.ReadCertificateSigningRequestAsync("node-bad-org-csr")).Status.Certificate);
    }

    [Theory]
    [InlineData(3600, 3600)]
    [InlineData(60, 600)]
    [InlineData(86400, 7200)]
    public async Task ExpirationSeconds_Requested_BoundedByMinimumAndSigningDuration(int requested, int expected)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = $"expiry-{requested}-csr";
        await KubectlCreateAsync(name, Request(key, "temp"), CsrSigners.KubeApiServerClient, ["client auth"], requested);
        var before = DateTimeOffset.UtcNow;
        await KubectlOkAsync("certificate", "approve", name);

        using var certificate = X509Certificate2.CreateFromPem(await WaitCertificateAsync(name));

        var lifetime = certificate.NotAfter.ToUniversalTime() - before.UtcDateTime;
        Assert.InRange(lifetime.TotalSeconds, expected - 60, expected + 60);
        var backdate = certificate.NotAfter - certificate.NotBefore - TimeSpan.FromSeconds(expected);
        Assert.InRange(backdate, CsrCertificateFactory.Backdate - TimeSpan.FromSeconds(2), CsrCertificateFactory.Backdate + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task UserCertificateRequester_UserWithGroups_KubeconfigAuthenticatesAsThem()
    {
        var issued = await new UserCertificateRequester(Client, TimeProvider.System).RequestAsync("ana", ["team-a"], TimeSpan.FromHours(1), Patience, CancellationToken.None);

        var whoami = await WhoAmIAsync(issued.CertificatePem, issued.KeyPem, "ana");

        Assert.StartsWith("timonel-user-ana-", issued.CsrName, StringComparison.Ordinal);
        Assert.Equal("ana", (string?)whoami["username"]);
        Assert.Contains("team-a", whoami["groups"]!.AsArray().Select(g => (string?)g));
    }

    private static string Request(ECDsa key, string commonName, params string[] organizations)
    {
        var subject = new X500DistinguishedNameBuilder();
        foreach (var o in organizations)
        {
            subject.AddOrganizationName(o);
        }

        subject.AddCommonName(commonName);
        return new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    private async Task KubectlCreateAsync(string name, string requestPem, string signer, string[] usages, int? expirationSeconds = null, string[]? extraArgs = null)
    {
        var spec = new JsonObject
        {
            ["request"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(requestPem)),
            ["signerName"] = signer,
            ["usages"] = new JsonArray([.. usages.Select(u => (JsonNode?)u)]),
        };
        if (expirationSeconds is { } seconds)
        {
            spec["expirationSeconds"] = seconds;
        }

        var csr = new JsonObject
        {
            ["apiVersion"] = "certificates.k8s.io/v1",
            ["kind"] = "CertificateSigningRequest",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = spec,
        };
        var file = Path.Combine(_dir, name + ".json");
        await File.WriteAllTextAsync(file, csr.ToJsonString());
        await KubectlOkAsync(["create", "-f", file, .. extraArgs ?? []]);
    }

    private async Task<KubectlRun> KubectlOkAsync(params string[] args)
    {
        var run = await _kubectl.RunAsync(args);
        Assert.True(run.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {run.Stderr}");
        return run;
    }

    private Task<string> WaitCertificateAsync(string name) =>
        Eventually.WaitAsync(
            async ct => (await Client.CertificatesV1.ReadCertificateSigningRequestAsync(name, cancellationToken: ct)).Status?.Certificate is { Length: > 0 } bytes ? Encoding.ASCII.GetString(bytes) : null,
            Patience,
            $"csr {name}'s certificate");

    private Task<V1CertificateSigningRequestCondition> WaitConditionAsync(string name, string type) =>
        Eventually.WaitAsync(
            async ct => (await Client.CertificatesV1.ReadCertificateSigningRequestAsync(name, cancellationToken: ct)).Status?.Conditions?.FirstOrDefault(c => c.Type == type),
            Patience,
            $"csr {name}'s {type} condition");

    /// <summary>kubectl auth whoami with a kubeconfig holding only the issued certificate; the SelfSubjectReview's userInfo.</summary>
    private async Task<JsonObject> WhoAmIAsync(string certificatePem, string keyPem, string user)
    {
        var path = Path.Combine(_dir, $"{user}-{Guid.NewGuid():N}.kubeconfig");
        await File.WriteAllTextAsync(path, KubeconfigWriter.Render(_harness.Cluster.Host.Url, _harness.Cluster.Host.Pki.ServerCaPem, certificatePem, keyPem, user));
        var run = await new KubectlRunner(KubectlRunner.Latest, path, _dir).RunAsync("auth", "whoami", "-o", "json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonNode.Parse(run.Stdout)!["status"]!["userInfo"]!.AsObject();
    }

    private static bool IsSignedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
