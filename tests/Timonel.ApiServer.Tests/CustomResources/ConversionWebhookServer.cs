using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Tests.Security;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>How the test webhook answers.</summary>
public enum WebhookBehaviour
{
    /// <summary>Converts: spec.color (v1) is spec.colour in v2.</summary>
    Convert,

    /// <summary>result.status Failure with a message.</summary>
    Fail,

    /// <summary>Answers after the API server's timeout.</summary>
    Hang,

    /// <summary>Answers with another uid.</summary>
    WrongUid,

    /// <summary>Answers with one object too many.</summary>
    WrongCount,

    /// <summary>Converts but renames the object.</summary>
    Rename,

    /// <summary>Converts and changes a label and the uid-independent metadata (generation): only the label may stay.</summary>
    Relabel,
}

/// <summary>
/// A CRD conversion webhook for the tests: Kestrel over HTTPS on 127.0.0.1 with a certificate
/// from its own test CA (SANs: 127.0.0.1, localhost and the service names given), converting
/// Widgets between v1 (spec.color) and v2 (spec.colour), or misbehaving on purpose.
/// </summary>
public sealed class ConversionWebhookServer : IAsyncDisposable
{
    private LoopbackHttpsServer _https = null!;
    private int _calls;

    private ConversionWebhookServer()
    {
    }

    public WebhookBehaviour Behaviour { get; set; }

    /// <summary>The reviews received, newest last.</summary>
    public List<JsonObject> Reviews { get; } = [];

    public int Calls => Volatile.Read(ref _calls);

    public int Port => _https.Port;

    /// <summary>The test CA's certificate, base64 of its PEM (what a caBundle holds).</summary>
    public string CaBundle => _https.CaBundle;

    public string Url(string path = "/convert") => $"https://127.0.0.1:{Port}{path}";

    public static async Task<ConversionWebhookServer> StartAsync(params string[] serviceNames)
    {
        var server = new ConversionWebhookServer();
        server._https = await LoopbackHttpsServer.StartAsync("conversion-webhook-test-ca", serviceNames, server.HandleAsync);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        var review = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        lock (Reviews)
        {
            Reviews.Add(review);
        }

        var request = review["request"]!.AsObject();
        var desired = request["desiredAPIVersion"]!.GetValue<string>();
        var converted = new JsonArray();
        foreach (var item in request["objects"]!.AsArray())
        {
            converted.Add(ConvertWidget(item!.AsObject(), desired));
        }

        var uid = request["uid"]!.GetValue<string>();
        var result = new JsonObject { ["status"] = "Success" };
        switch (Behaviour)
        {
            case WebhookBehaviour.Fail:
                result = new JsonObject { ["status"] = "Failure", ["message"] = "widgets in this colour cannot be converted" };
                break;
            case WebhookBehaviour.Hang:
                await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            case WebhookBehaviour.WrongUid:
                uid = "00000000-0000-0000-0000-000000000000";
                break;
            case WebhookBehaviour.WrongCount:
                converted.Add(converted[0]!.DeepClone());
                break;
            case WebhookBehaviour.Rename:
                converted[0]!["metadata"]!["name"] = "renamed";
                break;
            case WebhookBehaviour.Relabel:
                foreach (var item in converted)
                {
                    item!["metadata"]!["labels"] = new JsonObject { ["converted"] = "yes" };
                    item["metadata"]!["generation"] = 99;
                }

                break;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["apiVersion"] = review["apiVersion"]!.GetValue<string>(),
            ["kind"] = "ConversionReview",
            ["response"] = new JsonObject { ["uid"] = uid, ["result"] = result, ["convertedObjects"] = converted },
        }.ToJsonString());
    }

    private static JsonObject ConvertWidget(JsonObject obj, string desired)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["apiVersion"] = desired;
        if (copy["spec"] is JsonObject spec)
        {
            var (from, to) = desired.EndsWith("/v2", StringComparison.Ordinal) ? ("color", "colour") : ("colour", "color");
            if (spec[from] is { } value)
            {
                spec.Remove(from);
                spec[to] = value.DeepClone();
            }
        }

        return copy;
    }

    public ValueTask DisposeAsync() => _https.DisposeAsync();
}
