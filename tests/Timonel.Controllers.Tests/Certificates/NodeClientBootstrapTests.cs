using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.ApiServer.Security;
using Timonel.Client.Certificates;
using Timonel.Client.Informers;
using Timonel.Controllers.Certificates;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Certificates;

/// <summary>
/// The agent's TLS bootstrap (<see cref="NodeClientBootstrap"/>) against an in-process server with
/// `timonel server`'s authorization (Node,RBAC and the bootstrap policy) and csrapproving and
/// csrsigning running: from the join token to a working system:node:NAME client, reuse of the
/// stored certificate, and renewal as the node itself.
/// </summary>
public sealed class NodeClientBootstrapTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private TestCluster _cluster = null!;
    private SharedInformerFactory _informers = null!;
    private CancellationTokenSource _stop = null!;
    private Task _controllers = null!;
    private string _dir = null!;

    private IKubernetes Admin => _cluster.Client;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(configure: o => o with { AuthorizationModes = AuthorizationModes.Parse(AuthorizationModes.ServerDefault) });
        var client = _cluster.NewClient();
        _informers = new SharedInformerFactory(client, NullLoggerFactory.Instance);
        var context = new ControllerContext(client, _informers, new ControllerEvents((_, _, _, _, _) => { }), NullLoggerFactory.Instance, TimeProvider.System, new ControllerManagerOptions { ClusterSigningDuration = TimeSpan.FromHours(2) })
        {
            SigningAuthorities = new CsrSigningAuthorities(_cluster.Host.Pki.ClientCa, _cluster.Host.Pki.ServerCa),
        };
        var controllers = new IController[] { new CsrSigningController(context), new CsrApprovingController(context) };
        _stop = new CancellationTokenSource();
        _informers.Start();
        _controllers = Task.WhenAll(controllers.Select(c => Task.Run(() => c.RunAsync(_stop.Token))));
        _dir = Directory.CreateTempSubdirectory("timonel-nodecert-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _controllers;
        }
        catch (OperationCanceledException)
        {
        }

        await _informers.DisposeAsync();
        await _cluster.DisposeAsync();
        _stop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Start_JoinToken_NodeClientActsAsSystemNode()
    {
        await using var rotating = await Bootstrap("worker-a").StartAsync(TokenClient, ServerConfig, CancellationToken.None);
        using var node = new Kubernetes(rotating.Configure(ServerConfig()));

        var review = await node.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());

        Assert.Equal("system:node:worker-a", review.Status.UserInfo.Username);
        Assert.Contains("system:nodes", review.Status.UserInfo.Groups);
        var csr = Assert.Single((await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items);
        Assert.StartsWith("system:bootstrap:", csr.Spec.Username, StringComparison.Ordinal);
        Assert.Contains(csr.Status.Conditions, c => c.Type == "Approved" && c.Reason == "AutoApproved");
        var files = new NodeCertificateFiles(_dir);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.KeyPath));
        }

        // The node is held to its rights: no Secrets cluster-wide.
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => node.CoreV1.ListSecretForAllNamespacesAsync());
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Response.StatusCode);
    }

    [Fact]
    public async Task Start_SecondTime_ReusesStoredCertificateWithoutCsr()
    {
        await (await Bootstrap("worker-b").StartAsync(TokenClient, ServerConfig, CancellationToken.None)).DisposeAsync();
        Assert.Single((await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items);

        await using var again = await Bootstrap("worker-b").StartAsync(TokenClient, ServerConfig, CancellationToken.None);

        Assert.Single((await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items);
        Assert.Equal("system:node:worker-b", await WhoAmIAsync(again));
    }

    [Fact]
    public async Task Start_CorruptStoredCertificate_RequestsANewOne()
    {
        await (await Bootstrap("worker-c").StartAsync(TokenClient, ServerConfig, CancellationToken.None)).DisposeAsync();
        await File.WriteAllTextAsync(new NodeCertificateFiles(_dir).CertificatePath, "-----BEGIN CERTIFICATE-----\nbroken\n");

        await using var again = await Bootstrap("worker-c").StartAsync(TokenClient, ServerConfig, CancellationToken.None);

        Assert.Equal(2, (await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items.Count);
        Assert.Equal("system:node:worker-c", await WhoAmIAsync(again));
    }

    [Fact]
    public async Task Start_ExpiredStoredCertificate_RequestsANewOne()
    {
        using var stored = _cluster.Host.Pki.IssueClientCertificate("system:node:worker-d", ["system:nodes"], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        new NodeCertificateFiles(_dir).Save(stored.ExportCertificatePem(), stored.GetECDsaPrivateKey()!.ExportECPrivateKeyPem());
        // Still valid now, so reused; 90 minutes later (the new certificate lives 2 hours) it has expired.
        await (await Bootstrap("worker-d").StartAsync(TokenClient, ServerConfig, CancellationToken.None)).DisposeAsync();
        Assert.Empty((await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items);

        await using var rotating = await Bootstrap("worker-d", new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(90))).StartAsync(TokenClient, ServerConfig, CancellationToken.None);

        Assert.Single((await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items);
        Assert.NotEqual(stored.Thumbprint, rotating.Current.Thumbprint);
        Assert.Equal("system:node:worker-d", await WhoAmIAsync(rotating));
    }

    [Fact]
    public async Task Start_StoredCertificateFromAnotherCa_RequestsANewOne()
    {
        // Well-formed for this node and unexpired, but the server does not accept it.
        using var stored = SelfSigned("system:node:worker-g");
        new NodeCertificateFiles(_dir).Save(stored.ExportCertificatePem(), stored.GetECDsaPrivateKey()!.ExportECPrivateKeyPem());

        await using var rotating = await Bootstrap("worker-g").StartAsync(TokenClient, ServerConfig, CancellationToken.None);

        Assert.Single((await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items);
        Assert.NotEqual(stored.Thumbprint, rotating.Current.Thumbprint);
        Assert.Equal("system:node:worker-g", await WhoAmIAsync(rotating));
    }

    [Fact]
    public async Task Renewal_PastTheDeadline_NodeRenewsAsItselfAndSwitchesCertificate()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // The first certificate is due at 70 % of its life, the next at 99 %: one renewal once the clock passes 75 %.
        var deadlines = 0;
        await using var rotating = await new NodeClientBootstrap(new NodeCertificateFiles(_dir), "worker-e", clock, NullLogger.Instance)
        {
            Timeout = Patience,
            Jitter = () => Interlocked.Increment(ref deadlines) == 1 ? 0 : 0.99,
        }.StartAsync(TokenClient, ServerConfig, CancellationToken.None);
        using var node = new Kubernetes(rotating.Configure(ServerConfig()));
        var first = rotating.Current.Thumbprint;
        var lifetime = rotating.Current.NotAfter.ToUniversalTime() - rotating.Current.NotBefore.ToUniversalTime();
        clock.SetUtcNow(new DateTimeOffset(rotating.Current.NotBefore.ToUniversalTime()) + (lifetime * 0.75));

        rotating.Start();
        var deadline = DateTime.UtcNow + Patience;
        while (rotating.Renewals == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the certificate was not renewed in time");
            await Task.Delay(50);
        }

        Assert.Equal(1, rotating.Renewals);
        Assert.NotEqual(first, rotating.Current.Thumbprint);
        var renewal = Assert.Single((await Admin.CertificatesV1.ListCertificateSigningRequestAsync()).Items, c => c.Spec.Username == "system:node:worker-e");
        Assert.Contains(renewal.Status.Conditions, c => c.Type == "Approved" && c.Message == "Auto approving self kubelet client certificate after SubjectAccessReview.");
        Assert.Equal(rotating.Current.Thumbprint, X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(new NodeCertificateFiles(_dir).CertificatePath)).Thumbprint);
        Assert.Equal("system:node:worker-e", (await node.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview())).Status.UserInfo.Username);
    }

    [Fact]
    public async Task Approver_BootstrapperAskingForAnotherCommonName_NotApproved()
    {
        using var token = TokenClient();
        var bad = await token.CertificatesV1.CreateCertificateSigningRequestAsync(Csr("system:admin"));
        // A good one created after it is approved: by then the approver has seen both.
        var good = await token.CertificatesV1.CreateCertificateSigningRequestAsync(Csr("system:node:worker-f"));
        var deadline = DateTime.UtcNow + Patience;
        while ((await Admin.CertificatesV1.ReadCertificateSigningRequestAsync(good.Metadata.Name)).Status?.Certificate is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the node's request was not approved and signed in time");
            await Task.Delay(50);
        }

        var refused = await Admin.CertificatesV1.ReadCertificateSigningRequestAsync(bad.Metadata.Name);

        Assert.Null(refused.Status?.Conditions);
        Assert.Null(refused.Status?.Certificate);
    }

    private static X509Certificate2 SelfSigned(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("system:nodes");
        subject.AddCommonName(commonName);
        return new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
    }

    private static V1CertificateSigningRequest Csr(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("system:nodes");
        subject.AddCommonName(commonName);
        return new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { GenerateName = "node-csr-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                SignerName = NodeClientCertificates.SignerName,
                Request = System.Text.Encoding.ASCII.GetBytes(new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem()),
                Usages = ["digital signature", "client auth"],
            },
        };
    }

    private NodeClientBootstrap Bootstrap(string nodeName, TimeProvider? time = null) =>
        new(new NodeCertificateFiles(_dir), nodeName, time ?? TimeProvider.System, NullLogger.Instance) { Timeout = Patience };

    private KubernetesClientConfiguration ServerConfig() => new()
    {
        Host = _cluster.Host.Url,
        SslCaCerts = [X509Certificate2.CreateFromPem(_cluster.Host.Pki.ServerCaPem)],
    };

    private Kubernetes TokenClient()
    {
        var config = ServerConfig();
        config.AccessToken = _cluster.Host.Pki.JoinToken.Format();
        return new Kubernetes(config);
    }

    private async Task<string> WhoAmIAsync(RotatingClientCertificate certificate)
    {
        using var client = new Kubernetes(certificate.Configure(ServerConfig()));
        return (await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview())).Status.UserInfo.Username;
    }
}
