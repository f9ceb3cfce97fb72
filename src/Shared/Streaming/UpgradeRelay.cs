using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Timonel.Streaming;

/// <summary>
/// (One source compiled into both the API server and the kubelet: each relays upgrades, neither
/// may depend on the other.)
/// Relays an HTTP/1.1 upgrade request (SPDY or WebSocket streaming) to another server and, once
/// that server switches protocols, copies bytes both ways until either side closes. A refusal
/// (any answer other than 101) goes back to the caller as is, so clients can fall back from
/// one streaming protocol to another.
/// </summary>
internal static class UpgradeRelay
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Host", "Content-Length", "Upgrade",
        "Proxy-Connection", "Authorization", "Proxy-Authorization",
    };

    /// <summary>
    /// Sends <paramref name="context"/>'s request (method, streaming headers) to <paramref name="target"/>
    /// through <paramref name="invoker"/> and relays the answer.
    /// </summary>
    public static async Task RelayAsync(HttpContext context, HttpMessageInvoker invoker, Uri target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(invoker);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!NotForwarded.Contains(name) && !name.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var wantsUpgrade = upgrade is { IsUpgradableRequest: true } && context.Request.Headers.Upgrade.Count > 0;
        if (wantsUpgrade)
        {
            request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
            request.Headers.TryAddWithoutValidation("Upgrade", (IEnumerable<string?>)context.Request.Headers.Upgrade);
        }

        using var response = await invoker.SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.SwitchingProtocols && wantsUpgrade)
        {
            foreach (var (name, values) in response.Headers)
            {
                if (!name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && !name.Equals("Date", StringComparison.OrdinalIgnoreCase) && !name.Equals("Server", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            var upstream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var downstream = await upgrade!.UpgradeAsync().ConfigureAwait(false);
            await PumpAsync(downstream, upstream).ConfigureAwait(false);
            return;
        }

        // Not switched: relay the answer (usually a Status) and end the exchange.
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await body.CopyToAsync(context.Response.Body, ct).ConfigureAwait(false);
    }

    /// <summary>Copies both ways; when one side ends, both connections are closed.</summary>
    public static async Task PumpAsync(Stream a, Stream b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var done = new CancellationTokenSource();
        var ab = CopyAsync(a, b, done.Token);
        var ba = CopyAsync(b, a, done.Token);
        await Task.WhenAny(ab, ba).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        await a.DisposeAsync().ConfigureAwait(false);
        await b.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(ab, ba).ConfigureAwait(false);
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                await to.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // One side went away: the relay ends either way.
        }
    }
}
