using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Nodes;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Streaming;

/// <summary>
/// Reaches kubelets: finds a node's address (InternalIP, then Hostname, then ExternalIP) and
/// kubelet port (status.daemonEndpoints), and sends requests over HTTPS with the API server's
/// kubelet client certificate (common name kube-apiserver-kubelet-client, issued by the
/// cluster's client CA). As upstream without --kubelet-certificate-authority, the kubelet's
/// serving certificate is not verified. Simulated nodes are refused before any connection: their
/// addresses are made up and would route off the machine. Every address dialled passes the
/// dial filter first (tests confine it to loopback). <see cref="ProxyInvoker"/> reaches the
/// proxy subresources' other targets (pods, services' endpoints, a node's non-kubelet ports)
/// through the same filter, without the kubelet client certificate (upstream's proxy transport).
/// </summary>
internal sealed class KubeletConnector : IDisposable
{
    /// <summary>The common name kubelets accept (upstream's kube-apiserver-kubelet-client).</summary>
    public const string ClientCommonName = "kube-apiserver-kubelet-client";

    private static readonly string[] AddressOrder = ["InternalIP", "Hostname", "ExternalIP"];
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly X509Certificate2 _certificate;

    public KubeletConnector(ClusterPki pki, DateTimeOffset now, Func<IPAddress, bool>? dialFilter = null)
    {
        ArgumentNullException.ThrowIfNull(pki);
        using var issued = CertificateIssuer.IssueClient(pki.ClientCa, ClientCommonName, ["system:masters"], now, TimeSpan.FromDays(365));
        // Round-trip through PKCS#12 so the key is usable for TLS client authentication.
        _certificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = ConnectTimeout,
            ConnectCallback = (context, ct) => FilteredDialer.ConnectAsync(context.DnsEndPoint.Host, null, context.DnsEndPoint.Port, dialFilter, ct),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [_certificate],
                // Kubelets serve self-signed certificates; upstream's default does not verify them either.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            },
        });
        var proxying = ProxyingHandler.Create((context, ct) => FilteredDialer.ConnectAsync(context.DnsEndPoint.Host, null, context.DnsEndPoint.Port, dialFilter, ct));
        proxying.SslOptions = new SslClientAuthenticationOptions
        {
            // As upstream's proxy transport: pods serve whatever certificate they have.
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        };
        ProxyInvoker = new HttpMessageInvoker(proxying);
    }

    /// <summary>HTTPS to kubelets with the API server's kubelet client certificate.</summary>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>Plain HTTP or HTTPS (no client certificate) to pods, endpoints and nodes' other ports, through the same dial filter.</summary>
    public HttpMessageInvoker ProxyInvoker { get; }

    /// <summary>The port a Node's kubelet serves on (status.daemonEndpoints, else 10250).</summary>
    public static int KubeletPort(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var port = node["status"]?["daemonEndpoints"]?["kubeletEndpoint"]?["Port"]?.GetValue<int>() ?? 0;
        return port > 0 ? port : 10250;
    }

    /// <summary>The base URL of the kubelet of a Node object, or a 503 Status when it has no usable address.</summary>
    public static Uri KubeletUrl(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var name = node["metadata"]?["name"]?.GetValue<string>() ?? "";
        if (IsSimulated(node))
        {
            throw ApiException.BadRequest($"node \"{name}\" is simulated (label {SimulatedNodes.Label}=true): it has no kubelet to connect to");
        }

        var addresses = node["status"]?["addresses"] as JsonArray ?? [];
        string? host = null;
        foreach (var type in AddressOrder)
        {
            host = addresses.OfType<JsonObject>().FirstOrDefault(a => a["type"]?.GetValue<string>() == type)?["address"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(host))
            {
                break;
            }
        }

        if (string.IsNullOrEmpty(host))
        {
            throw ApiException.ServiceUnavailable($"node \"{name}\" reports no address to reach its kubelet");
        }

        var port = KubeletPort(node);
        var hostPart = IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        return new Uri($"https://{hostPart}:{port}/");
    }

    /// <summary>True for a Node played by the node simulator (no kubelet, made-up addresses).</summary>
    public static bool IsSimulated(JsonObject node) =>
        SimulatedNodes.IsSimulated((node["metadata"]?["labels"] as JsonObject)?
            .Where(l => l.Value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String)
            .Select(l => KeyValuePair.Create(l.Key, l.Value!.GetValue<string>())));

    public void Dispose()
    {
        Invoker.Dispose();
        ProxyInvoker.Dispose();
        _certificate.Dispose();
    }
}
