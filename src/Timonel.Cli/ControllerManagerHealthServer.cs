using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Timonel.Controllers.Health;

namespace Timonel.Cli;

/// <summary>
/// kube-controller-manager's own health endpoint (upstream's --secure-port, 10257): HTTPS with
/// a self-signed certificate, as upstream makes one when given none, anonymous as upstream
/// always allows /healthz. Serves /healthz and /healthz/&lt;controller&gt; from the controller
/// manager's checks; everything else is 404.
/// </summary>
internal sealed partial class ControllerManagerHealthServer : IAsyncDisposable
{
    /// <summary>Upstream kube-controller-manager's default --secure-port.</summary>
    public const int DefaultPort = 10257;

    private readonly WebApplication _app;

    private ControllerManagerHealthServer(WebApplication app) => _app = app;

    /// <summary>The server, or null when the port cannot be bound (logged: the controller manager runs on without it).</summary>
    public static async Task<ControllerManagerHealthServer?> StartAsync(ControllerHealth health, IPAddress address, int port, ILogger log, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = SelfSigned(address);
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port, l => l.UseHttps(certificate)));
        var app = builder.Build();
        app.Run(context => ServeAsync(health, context));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            Log.Serving(log, address.ToString(), port);
            return new ControllerManagerHealthServer(app);
        }
        catch (IOException e)
        {
            Log.CannotBind(log, address.ToString(), port, e.Message);
            await app.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task ServeAsync(ControllerHealth health, HttpContext context)
    {
        var query = context.Request.Query;
        var answer = context.Request.Method is "GET" or "HEAD"
            ? HealthzResponder.Respond(health, context.Request.Path.Value ?? "", query.ContainsKey("verbose"), [.. query["exclude"].OfType<string>()])
            : new HealthzResponse(405, "405 method not allowed\n");
        answer ??= new HealthzResponse(404, "404 page not found\n");
        context.Response.StatusCode = answer.StatusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        await context.Response.WriteAsync(answer.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A P-256 certificate for localhost and the bound address, valid a year, as upstream's self-signed serving certificate.</summary>
    private static X509Certificate2 SelfSigned(IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=localhost@{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        if (!address.Equals(IPAddress.Any) && !address.Equals(IPAddress.Loopback))
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
        // Through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "controller manager health checks on https://{Address}:{Port}/healthz")]
        public static partial void Serving(ILogger logger, string address, int port);

        [LoggerMessage(Level = LogLevel.Warning, Message = "controller manager health endpoint not served: cannot listen on {Address}:{Port}: {Reason}")]
        public static partial void CannotBind(ILogger logger, string address, int port, string reason);
    }
}
