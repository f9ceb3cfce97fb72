using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Timonel.Cli.Bench;

/// <summary>
/// The backend of the ingress benchmark (`timonel bench http-backend`), its own process so the
/// proxy's CPU can be told from the backend's. The same server answers both paths (direct and
/// through the ingress). Kinds: <c>hello</c> (5 bytes, no work: the proxy's cost shows fully),
/// <c>wait1ms</c> (5 bytes after a 1 ms wait, a backend that waits on something),
/// <c>body16k</c> (a 16 KiB body the proxy must copy).
/// </summary>
internal static class HttpLoadBackend
{
    public static readonly string[] Kinds = ["hello", "wait1ms", "body16k"];

    /// <summary>Serves on a free loopback port until <paramref name="cancellationToken"/>; <paramref name="onListening"/> gets the port.</summary>
    public static async Task ServeAsync(string kind, Action<int> onListening, CancellationToken cancellationToken)
    {
        var body = kind switch
        {
            "hello" or "wait1ms" => "hello"u8.ToArray(),
            "body16k" => Enumerable.Repeat((byte)'x', 16 * 1024).ToArray(),
            _ => throw new ArgumentException($"unknown backend kind {kind} (one of {string.Join(", ", Kinds)})", nameof(kind)),
        };
        var wait = kind == "wait1ms" ? TimeSpan.FromMilliseconds(1) : TimeSpan.Zero;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
        });
        await using var app = builder.Build();
        app.Run(async context =>
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, context.RequestAborted).ConfigureAwait(false);
            }

            // Sized: the load client reads Content-Length answers only.
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        onListening(new Uri(address).Port);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
