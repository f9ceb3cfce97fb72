using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Tests.Aggregation;

/// <summary>
/// A small extension API server on 127.0.0.1, as a real one (sample-apiserver, metrics-server)
/// sits behind the aggregator: HTTPS with a certificate for SERVICE.NAMESPACE.svc from its own
/// CA (the APIService's caBundle), a client certificate required and accepted only when the
/// front-proxy CA published in extension-apiserver-authentication signed it for
/// front-proxy-client, and the user taken from X-Remote-User / X-Remote-Group (refused without
/// them, as its request-header authenticator would). It serves GROUP/VERSION's discovery and
/// GET/LIST of namespaced "flunders", and records what each request carried.
/// </summary>
internal sealed class ExtensionApiServer : IAsyncDisposable
{
    public const string Resource = "flunders";
    private readonly WebApplication _app;

    private ExtensionApiServer(WebApplication app, int port, X509Certificate2 ca)
    {
        _app = app;
        Port = port;
        Ca = ca;
    }

    public int Port { get; }

    /// <summary>The CA of the serving certificate (the APIService's caBundle).</summary>
    public X509Certificate2 Ca { get; }

    public string CaBundleBase64 => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Ca.ExportCertificatePem()));

    /// <summary>Every request that got through the front-proxy check, in order.</summary>
    public ConcurrentQueue<Seen> Requests { get; } = new();

    /// <summary>A watch (?watch=true on the list) sends its first event, then waits for this before the second.</summary>
    public TaskCompletionSource ReleaseWatch { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Requests refused for lacking the front-proxy certificate or the user headers.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    public sealed record Seen(string Path, string User, IReadOnlyList<string> Groups, string ClientCommonName, bool HadAuthorization, IReadOnlyList<string> Extra);

    public static async Task<ExtensionApiServer> StartAsync(string group, string version, string serverName, string frontProxyCaPem, IReadOnlyList<string> flunders)
    {
        var now = DateTimeOffset.UtcNow;
        var ca = CertificateIssuer.CreateAuthority("extension-ca", now, TimeSpan.FromDays(1));
        using var issued = CertificateIssuer.IssueServing(ca, SubjectAltNames.Create(null, [serverName]), now, TimeSpan.FromDays(1));
        var serving = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        var frontProxyCas = new X509Certificate2Collection();
        frontProxyCas.ImportFromPem(frontProxyCaPem);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serving,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => SignedBy(certificate, frontProxyCas),
        })));
        var app = builder.Build();
        app.UseWebSockets();
        ExtensionApiServer? server = null;
        app.Run(context => server!.ServeAsync(context, group, version, flunders));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new ExtensionApiServer(app, new Uri(address).Port, ca);
        return server;
    }

    private static bool SignedBy(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate) && certificate.GetNameInfo(X509NameType.SimpleName, false) == "front-proxy-client";
    }

    private async Task ServeAsync(HttpContext context, string group, string version, IReadOnlyList<string> flunders)
    {
        var headers = context.Request.Headers;
        var user = headers["X-Remote-User"].ToString();
        if (context.Connection.ClientCertificate is not { } client || user.Length == 0)
        {
            Refused.Enqueue(context.Request.Path);
            context.Response.StatusCode = 401;
            return;
        }

        var extra = headers.Where(h => h.Key.StartsWith("X-Remote-Extra-", StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value.Select(v => $"{h.Key}={v}")).ToList();
        Requests.Enqueue(new Seen(context.Request.Path, user, [.. headers["X-Remote-Group"].Select(g => g ?? "")], client.GetNameInfo(X509NameType.SimpleName, false), headers.ContainsKey("Authorization"), extra));
        if (context.WebSockets.IsWebSocketRequest)
        {
            await EchoAsync(context, user);
            return;
        }

        if (context.Request.Query["watch"] == "true")
        {
            await WatchAsync(context, group, version, flunders);
            return;
        }

        var prefix = $"/apis/{group}/{version}";
        var parts = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        JsonObject? body = parts switch
        {
            ["apis", _, _] when context.Request.Path == prefix => new JsonObject
            {
                ["kind"] = "APIResourceList",
                ["apiVersion"] = "v1",
                ["groupVersion"] = $"{group}/{version}",
                ["resources"] = new JsonArray(
                    new JsonObject { ["name"] = Resource, ["singularName"] = "flunder", ["namespaced"] = true, ["kind"] = "Flunder", ["verbs"] = new JsonArray("get", "list"), ["shortNames"] = new JsonArray("fl") },
                    new JsonObject { ["name"] = $"{Resource}/status", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "Flunder", ["verbs"] = new JsonArray("get") }),
            },
            ["apis", _, _, "namespaces", var ns, Resource] => new JsonObject
            {
                ["kind"] = "FlunderList",
                ["apiVersion"] = $"{group}/{version}",
                ["metadata"] = new JsonObject { ["resourceVersion"] = "1" },
                ["items"] = new JsonArray([.. flunders.Select(f => (JsonNode)Flunder(group, version, ns, f))]),
            },
            ["apis", _, _, "namespaces", var ns, Resource, var name] when flunders.Contains(name) => Flunder(group, version, ns, name),
            _ => null,
        };
        if (body is null)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404, ["message"] = $"{context.Request.Path} not found" });
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    /// <summary>Greets with the user it was told, then echoes each message.</summary>
    private static async Task EchoAsync(HttpContext context, string user)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes($"hello {user}"), System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (received.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
        }
    }

    private async Task WatchAsync(HttpContext context, string group, string version, IReadOnlyList<string> flunders)
    {
        var ns = context.Request.Path.Value!.Split('/')[6];
        context.Response.ContentType = "application/json";
        foreach (var (name, index) in flunders.Select((f, i) => (f, i)))
        {
            if (index == 1)
            {
                await ReleaseWatch.Task.WaitAsync(context.RequestAborted);
            }

            await context.Response.WriteAsync(new JsonObject { ["type"] = "ADDED", ["object"] = Flunder(group, version, ns, name) }.ToJsonString() + "\n");
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static JsonObject Flunder(string group, string version, string ns, string name) => new()
    {
        ["kind"] = "Flunder",
        ["apiVersion"] = $"{group}/{version}",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = "2026-01-01T00:00:00Z" },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Ca.Dispose();
    }
}
