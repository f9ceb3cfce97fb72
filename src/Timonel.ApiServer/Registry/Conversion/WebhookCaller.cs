using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Registry.Conversion;

/// <summary>
/// POSTs a JSON body to a webhook over HTTPS, as upstream's webhook client: the server's
/// certificate must chain to the clientConfig's caBundle (the system's roots without one) and
/// name the URL's host (for a service, &lt;name&gt;.&lt;namespace&gt;.svc, whatever address its
/// endpoints have); the whole call is bounded by a timeout. Every address is put to the dial
/// filter before a socket is opened, so a refused one is never dialled. Failures are
/// <see cref="WebhookCallException"/>s worded as Go's HTTP client words them.
/// </summary>
internal sealed class WebhookCaller(Func<IPAddress, bool>? dialFilter, TimeSpan timeout)
{
    public TimeSpan Timeout => timeout;

    /// <summary>
    /// Sends <paramref name="body"/> to <paramref name="url"/>. <paramref name="connectTo"/>, when
    /// set, is where to connect instead of the URL's host (a service's endpoint); the URL's host
    /// is still the TLS server name.
    /// </summary>
    public async Task<(HttpStatusCode Status, byte[] Body, string? ContentType)> PostAsync(Uri url, IPEndPoint? connectTo, byte[]? caBundle, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var roots = caBundle is { Length: > 0 } ? Security.CaBundleTrust.Load(System.Text.Encoding.ASCII.GetString(caBundle)) : null;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = (context, ct) => Security.FilteredDialer.ConnectAsync(context.DnsEndPoint.Host, connectTo is null ? null : new[] { connectTo.Address }, connectTo?.Port ?? context.DnsEndPoint.Port, dialFilter, ct),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Security.CaBundleTrust.Trusted(certificate, errors, roots),
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            },
        };
        using var client = new HttpMessageInvoker(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await client.SendAsync(request, deadline.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            return (response.StatusCode, bytes, response.Content.Headers.ContentType?.MediaType);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebhookCallException($"Post \"{Display(url)}\": context deadline exceeded");
        }
        catch (HttpRequestException e)
        {
            throw new WebhookCallException($"Post \"{Display(url)}\": {Describe(e)}");
        }
        finally
        {
            foreach (var root in roots ?? [])
            {
                root.Dispose();
            }
        }
    }

    /// <summary>The URL as Go prints a webhook's (the port always written, as upstream's service URLs have it).</summary>
    public static string Display(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return $"{url.Scheme}://{url.Host}:{url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}{url.PathAndQuery}";
    }

    private static string Describe(HttpRequestException e) => e switch
    {
        { InnerException: AuthenticationException } => "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "dial tcp: connect: connection refused",
        _ => e.Message,
    };
}

/// <summary>A webhook call that did not get an answer; the message is the Go-style reason.</summary>
internal sealed class WebhookCallException : Exception
{
    public WebhookCallException()
    {
    }

    public WebhookCallException(string message) : base(message)
    {
    }

    public WebhookCallException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
