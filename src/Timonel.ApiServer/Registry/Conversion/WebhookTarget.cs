using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Registry.Conversion;

/// <summary>
/// Where a webhook's clientConfig points (shared by conversion and admission webhooks): its
/// url, or https://&lt;name&gt;.&lt;namespace&gt;.svc:&lt;port&gt;&lt;path&gt; resolved to an endpoint
/// through the <see cref="WebhookServiceResolver"/>; the caBundle decoded. <c>?timeout=Ns</c> is
/// added to the query, as upstream's webhook client does.
/// </summary>
internal sealed record WebhookTarget(Uri Url, IPEndPoint? ConnectTo, byte[]? CaBundle)
{
    /// <summary>The target, or the Go-style reason it has none (<c>Post "URL": no endpoints ...</c>).</summary>
    public static async Task<(WebhookTarget? Target, string? Error)> ResolveAsync(JsonObject clientConfig, TimeSpan timeout, WebhookServiceResolver services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        ArgumentNullException.ThrowIfNull(services);
        var query = $"timeout={((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";
        var caBundle = clientConfig.Str("caBundle") is { Length: > 0 } encoded ? Decode(encoded) : null;
        if (clientConfig.Str("url") is { } configured)
        {
            var builder = new UriBuilder(configured);
            builder.Query = builder.Query.Length > 1 ? builder.Query[1..] + "&" + query : query;
            return (new WebhookTarget(builder.Uri, null, caBundle), null);
        }

        var service = clientConfig.Obj("service") ?? [];
        var (ns, name, port) = (service.Str("namespace") ?? "", service.Str("name") ?? "", (int)(service.Int("port") ?? 443));
        var url = new Uri($"https://{name}.{ns}.svc:{port.ToString(CultureInfo.InvariantCulture)}{service.Str("path") ?? "/"}?{query}");
        var (endpoint, error) = await services.ResolveAsync(ns, name, port, cancellationToken).ConfigureAwait(false);
        return endpoint is null
            ? (null, $"Post \"{WebhookCaller.Display(url)}\": {error}")
            : (new WebhookTarget(url, endpoint, caBundle), null);
    }

    private static byte[]? Decode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
