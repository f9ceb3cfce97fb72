using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Tests.Security;

/// <summary>
/// Kestrel over HTTPS on 127.0.0.1 (a free port) with a certificate from its own test CA (SANs:
/// 127.0.0.1, localhost and the service names given): what the tests' webhooks serve on.
/// </summary>
internal sealed class LoopbackHttpsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _serving;

    private LoopbackHttpsServer(WebApplication app, X509Certificate2 ca, X509Certificate2 serving, int port)
    {
        _app = app;
        _ca = ca;
        _serving = serving;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The test CA's certificate, base64 of its PEM (what a caBundle holds).</summary>
    public string CaBundle => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(_ca.ExportCertificatePem()));

    public static async Task<LoopbackHttpsServer> StartAsync(string caName, IEnumerable<string> serviceNames, RequestDelegate handler)
    {
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateIssuer.CreateAuthority(caName, now, TimeSpan.FromDays(1));
        using var issued = CertificateIssuer.IssueServing(ca, SubjectAltNames.Create(null, serviceNames), now, TimeSpan.FromDays(1));
        // Round-trip through PKCS#12 so the key is usable by the TLS server.
        var serving = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serving)));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        return new LoopbackHttpsServer(app, ca, serving, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _serving.Dispose();
        _ca.Dispose();
    }
}
