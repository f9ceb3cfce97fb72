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

    /// <summary>The description of spec in the Flunder schema its OpenAPI documents publish (a test may change it).</summary>
    public string SpecDescription { get; set; } = "What the flunder wants.";

    /// <summary>When true, /openapi/* answers 503 (a backend whose OpenAPI fails).</summary>
    public bool OpenApiBroken { get; set; }

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

        if (context.Request.Path.StartsWithSegments("/openapi"))
        {
            await ServeOpenApiAsync(context, group, version);
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

    /// <summary>
    /// /openapi/v2 and the /openapi/v3 index and GROUP/VERSION document, as a k8s.io/apiserver
    /// based server publishes them: the Flunder schema (with x-kubernetes-group-version-kind) and
    /// its list path, and an ObjectMeta of its own that differs from the aggregator's.
    /// </summary>
    private async Task ServeOpenApiAsync(HttpContext context, string group, string version)
    {
        if (OpenApiBroken)
        {
            context.Response.StatusCode = 503;
            return;
        }

        var gvk = new JsonArray(new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = "Flunder" });
        JsonObject Flunder(string refPrefix) => new()
        {
            ["type"] = "object",
            ["description"] = "A Flunder is a made-up thing of the wardle server.",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = "APIVersion of the flunder." },
                ["kind"] = new JsonObject { ["type"] = "string", ["description"] = "Kind of the flunder." },
                ["metadata"] = new JsonObject { ["$ref"] = refPrefix + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
                ["spec"] = new JsonObject
                {
                    ["type"] = "object",
                    ["description"] = SpecDescription,
                    ["properties"] = new JsonObject { ["reference"] = new JsonObject { ["type"] = "string", ["description"] = "The name of another flunder." } },
                },
            },
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        JsonObject Meta() => new()
        {
            ["type"] = "object",
            ["description"] = "The wardle server's own ObjectMeta.",
            ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" }, ["namespace"] = new JsonObject { ["type"] = "string" } },
        };
        var listPath = $"/apis/{group}/{version}/namespaces/{{namespace}}/{Resource}";
        JsonObject List(string refPrefix) => new()
        {
            ["get"] = new JsonObject
            {
                ["operationId"] = "listWardleFlunders",
                // kubectl explain (OpenAPI v3) finds a resource's kind on its paths' operations.
                ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = "Flunder" },
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["schema"] = new JsonObject { ["$ref"] = refPrefix + $"{group}.{version}.Flunder" } } },
            },
        };
        var v3Key = $"apis/{group}/{version}";
        JsonObject? body = context.Request.Path.Value switch
        {
            "/openapi/v2" => new JsonObject
            {
                ["swagger"] = "2.0",
                ["info"] = new JsonObject { ["title"] = "wardle", ["version"] = "v0.1" },
                ["paths"] = new JsonObject { [listPath] = List("#/definitions/") },
                ["definitions"] = new JsonObject
                {
                    [$"{group}.{version}.Flunder"] = Flunder("#/definitions/"),
                    ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] = Meta(),
                },
            },
            "/openapi/v3" => new JsonObject { ["paths"] = new JsonObject { [v3Key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{v3Key}?hash=0123" } } },
            var p when p == "/openapi/v3/" + v3Key => new JsonObject
            {
                ["openapi"] = "3.0.0",
                ["info"] = new JsonObject { ["title"] = "wardle", ["version"] = "v0.1" },
                ["paths"] = new JsonObject { [listPath] = List("#/components/schemas/") },
                ["components"] = new JsonObject
                {
                    ["schemas"] = new JsonObject
                    {
                        [$"{group}.{version}.Flunder"] = Flunder("#/components/schemas/"),
                        ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] = Meta(),
                    },
                },
            },
            _ => null,
        };
        if (body is null)
        {
            context.Response.StatusCode = 404;
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
