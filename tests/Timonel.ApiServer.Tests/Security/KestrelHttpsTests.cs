using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

/// <summary>End to end: a Kestrel app on 127.0.0.1:0 set up by <see cref="KestrelHttps.ConfigureHttps"/>.</summary>
public sealed class KestrelHttpsTests : IAsyncLifetime
{
    private readonly TempDataDir _dir = new();
    private ClusterPki _pki = null!;
    private WebApplication _app = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _pki = await _dir.LoadAsync();
        var authenticator = Authenticator.ForCluster(_pki);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => KestrelHttps.ConfigureHttps(kestrel, _pki, 0, IPAddress.Loopback, authenticator.Certificates));
        _app = builder.Build();
        _app.Run(async context =>
        {
            var user = await authenticator.AuthenticateAsync(context);
            context.Response.StatusCode = user is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status200OK;
            await context.Response.WriteAsync(user is null ? "Unauthorized" : $"{user.Name} {string.Join(",", user.Groups)} {context.Request.Protocol}");
        });
        await _app.StartAsync();
        _url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _pki.Dispose();
        _dir.Dispose();
    }

    private HttpClient Client(X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is X509Certificate2 server
            && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
            && TestCertificates.ChainsTo(server, _pki.ServerCa);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return new HttpClient(handler) { BaseAddress = new Uri(_url) };
    }

    [Fact]
    public async Task Request_AdminClientCertificate_Is200AsSystemAdmin()
    {
        using var client = Client(_pki.AdminCertificate);

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("system:admin system:masters,system:authenticated", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_NoCredentials_Is401()
    {
        using var client = Client();

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_AdminBearerTokenWithoutCertificate_Is200()
    {
        using var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _pki.AdminToken);

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Request_WrongBearerToken_Is401()
    {
        using var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_CertificateFromForeignCa_PassesTheHandshakeAndIs401()
    {
        // As kube-apiserver (tls.RequestClientCert): the handshake takes the certificate, the
        // authenticator refuses it.
        using var forged = TestCertificates.FromForeignCa("O=system:masters, CN=system:admin");
        using var client = Client(forged);

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_CertificateFromForeignCaWithAdminBearerToken_Is200AsTheTokenUser()
    {
        using var forged = TestCertificates.FromForeignCa("O=system:masters, CN=intruder");
        using var client = Client(forged);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _pki.AdminToken);

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("intruder", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_AdminKubeconfig_AuthenticatesOverHttp2()
    {
        var kubeconfig = _pki.Paths.Kubeconfig;
        await KubeconfigWriter.WriteAsync(kubeconfig, _url, _pki.ServerCaPem, _pki.AdminCertificatePem, _pki.AdminKeyPem, CancellationToken.None);

        var (exitCode, stdout, stderr) = await TestProcess.RunAsync("kubectl", "--kubeconfig", kubeconfig, "get", "--raw", "/whoami");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("system:admin system:masters,system:authenticated HTTP/2", stdout.Trim());
    }
}
