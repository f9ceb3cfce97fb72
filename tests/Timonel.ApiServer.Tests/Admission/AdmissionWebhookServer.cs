using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Tests.Security;

namespace Timonel.ApiServer.Tests.Admission;

/// <summary>
/// An admission webhook for the tests: Kestrel over HTTPS on 127.0.0.1 with a certificate from
/// its own test CA (SANs: 127.0.0.1, localhost and the service names given). Each path answers
/// as its handler says (allow when none is set); every AdmissionReview received is kept, by path.
/// </summary>
public sealed class AdmissionWebhookServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<JsonObject, JsonObject>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Path, JsonObject Review)> _reviews = new();
    private LoopbackHttpsServer _https = null!;

    private AdmissionWebhookServer()
    {
    }

    public int Port => _https.Port;

    /// <summary>The test CA's certificate, base64 of its PEM (what a caBundle holds).</summary>
    public string CaBundle => _https.CaBundle;

    /// <summary>How long every answer waits (to exceed a webhook's timeout).</summary>
    public TimeSpan Delay { get; set; }

    public string Url(string path) => $"https://127.0.0.1:{Port}{path}";

    /// <summary>The AdmissionReview requests received on <paramref name="path"/>, oldest first.</summary>
    public IReadOnlyList<JsonObject> Requests(string path) => [.. _reviews.Where(r => r.Path == path).Select(r => r.Review["request"]!.AsObject())];

    /// <summary>Sets what <paramref name="path"/> answers: the response's fields but uid (allowed, status, patch, warnings).</summary>
    public void Answer(string path, Func<JsonObject, JsonObject> handler) => _handlers[path] = handler;

    public static JsonObject Allow() => new() { ["allowed"] = true };

    public static JsonObject Deny(string message, int? code = null)
    {
        var status = new JsonObject { ["message"] = message };
        if (code is { } c)
        {
            status["code"] = c;
        }

        return new JsonObject { ["allowed"] = false, ["status"] = status };
    }

    public static JsonObject Patch(JsonArray operations) => new()
    {
        ["allowed"] = true,
        ["patchType"] = "JSONPatch",
        ["patch"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(operations.ToJsonString())),
    };

    public static async Task<AdmissionWebhookServer> StartAsync(params string[] serviceNames)
    {
        var server = new AdmissionWebhookServer();
        server._https = await LoopbackHttpsServer.StartAsync("admission-webhook-test-ca", serviceNames, server.HandleAsync);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var review = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        var path = context.Request.Path.Value ?? "/";
        _reviews.Enqueue((path, review));
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            if (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
        }

        var request = review["request"]!.AsObject();
        var response = _handlers.TryGetValue(path, out var handler) ? handler(request) : Allow();
        response["uid"] = request["uid"]!.GetValue<string>();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["apiVersion"] = review["apiVersion"]!.GetValue<string>(),
            ["kind"] = "AdmissionReview",
            ["response"] = response,
        }.ToJsonString());
    }

    public ValueTask DisposeAsync() => _https.DisposeAsync();
}
