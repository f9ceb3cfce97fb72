using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.Ingress.Proxy;

/// <summary>
/// Copies the request as YARP's base transformer does (the client's Host header kept, as
/// ingress-nginx passes it) and sets the headers ingress-nginx sets by default: X-Forwarded-For
/// appended with the client's address, X-Forwarded-Proto/-Host/-Port replaced by what this proxy
/// saw, X-Real-IP the client's address.
/// </summary>
internal sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public static readonly ForwardedHeadersTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var client = httpContext.Connection.RemoteIpAddress;
        var clientText = client is null ? "" : (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString();
        var prior = httpContext.Request.Headers["X-Forwarded-For"].ToString();
        Set(proxyRequest, "X-Forwarded-For", string.IsNullOrEmpty(prior) ? clientText : $"{prior}, {clientText}");
        Set(proxyRequest, "X-Real-IP", clientText);
        Set(proxyRequest, "X-Forwarded-Proto", httpContext.Request.Scheme);
        Set(proxyRequest, "X-Forwarded-Host", httpContext.Request.Host.Value ?? "");
        Set(proxyRequest, "X-Forwarded-Port", httpContext.Connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Set(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }
}
