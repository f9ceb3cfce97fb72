using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry.Conversion;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>What a webhook answered: allowed (with a JSONPatch for a mutating webhook), or a refusal already worded as upstream's.</summary>
internal sealed record AdmissionVerdict(JsonArray? Patch, ApiException? Denial)
{
    public static readonly AdmissionVerdict Ignored = new(null, null);
}

/// <summary>
/// Sends one AdmissionReview to one webhook (through the shared <see cref="WebhookTarget"/>,
/// <see cref="WebhookCaller"/> and so the one dial filter) and reads its answer as upstream's
/// dispatcher does. A call that fails (unreachable, timeout, bad answer) is, under failurePolicy
/// Fail, a 500 <c>Internal error occurred: failed calling webhook "NAME": ...</c>; under Ignore
/// it is logged and the request goes on. A refusal is <c>admission webhook "NAME" denied the
/// request: MESSAGE</c> with the webhook's status code (400 when it gave none below 400).
/// </summary>
internal sealed partial class AdmissionReviewCaller(WebhookServiceResolver services, Func<IPAddress, bool>? dialFilter, ILogger log)
{
    public async Task<AdmissionVerdict> CallAsync(AdmissionWebhook webhook, JsonObject request, Registry.WarningRecorder? warnings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var response = await ExchangeAsync(webhook, request, cancellationToken).ConfigureAwait(false);
            foreach (var (_, warning) in response.Arr("warnings").Strings())
            {
                warnings?.Add(warning);
            }

            if (response["allowed"] is not JsonValue allowed || !allowed.TryGetValue<bool>(out var isAllowed) || !isAllowed)
            {
                return new AdmissionVerdict(null, Denied(webhook.Name, response.Obj("status")));
            }

            return new AdmissionVerdict(Patch(response), null);
        }
        catch (WebhookCallException e)
        {
            if (webhook.FailOpen)
            {
                Log.Ignored(log, webhook.Name, e.Message);
                return AdmissionVerdict.Ignored;
            }

            throw ApiException.Internal($"Internal error occurred: failed calling webhook \"{webhook.Name}\": {e.Message}");
        }
    }

    private async Task<JsonObject> ExchangeAsync(AdmissionWebhook webhook, JsonObject request, CancellationToken cancellationToken)
    {
        var reviewVersion = webhook.ReviewVersions.FirstOrDefault(v => v is "v1" or "v1beta1")
            ?? throw new WebhookCallException("webhook does not accept v1 or v1beta1 AdmissionReview");
        var uid = request.Str("uid");
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/" + reviewVersion,
            ["kind"] = "AdmissionReview",
            ["request"] = request.DeepClone(),
        };
        // Resolved per call and bounded by the webhook's own timeout, the resolution included.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(webhook.Timeout);
        WebhookTarget target;
        try
        {
            var (resolved, unresolved) = await WebhookTarget.ResolveAsync(webhook.ClientConfig, webhook.Timeout, services, deadline.Token).ConfigureAwait(false);
            target = resolved ?? throw new WebhookCallException("failed to call webhook: " + unresolved);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebhookCallException("failed to call webhook: context deadline exceeded");
        }

        var caller = new WebhookCaller(dialFilter, webhook.Timeout);
        byte[] answer;
        try
        {
            HttpStatusCode status;
            (status, answer, _) = await caller.PostAsync(target.Url, target.ConnectTo, target.CaBundle, JsonSerializer.SerializeToUtf8Bytes(review), cancellationToken).ConfigureAwait(false);
            if ((int)status is < 200 or > 299)
            {
                throw new WebhookCallException($"failed to call webhook: an error on the server (\"{Truncate(System.Text.Encoding.UTF8.GetString(answer))}\") has prevented the request from succeeding");
            }
        }
        catch (WebhookCallException e) when (!e.Message.StartsWith("failed to call webhook: ", StringComparison.Ordinal))
        {
            throw new WebhookCallException("failed to call webhook: " + e.Message);
        }

        JsonNode? parsed;
        try
        {
            parsed = answer.Length == 0 ? null : JsonNode.Parse(answer);
        }
        catch (JsonException e)
        {
            throw new WebhookCallException("received invalid webhook response: " + e.Message);
        }

        if (parsed.Obj("response") is not { } response)
        {
            throw new WebhookCallException("received invalid webhook response: response is nil");
        }

        if (response.Str("uid") != uid)
        {
            throw new WebhookCallException($"received invalid webhook response: expected response.uid=\"{uid}\", got \"{response.Str("uid")}\"");
        }

        return response;
    }

    // A patch only with patchType JSONPatch, as upstream; it is applied by the mutating dispatcher.
    private static JsonArray? Patch(JsonObject response)
    {
        if (response.Str("patch") is not { Length: > 0 } encoded)
        {
            return null;
        }

        if (response.Str("patchType") != "JSONPatch")
        {
            throw new WebhookCallException($"received invalid webhook response: unsupported patch type \"{response.Str("patchType")}\"");
        }

        try
        {
            return JsonNode.Parse(Convert.FromBase64String(encoded)) as JsonArray
                ?? throw new WebhookCallException("received invalid webhook response: the patch is not a JSON array");
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new WebhookCallException("received invalid webhook response: " + e.Message);
        }
    }

    private static ApiException Denied(string name, JsonObject? status)
    {
        var deniedBy = $"admission webhook \"{name}\" denied the request";
        var code = (int)(status.Int("code") ?? 0);
        var message = status.Str("message") is { Length: > 0 } m ? $"{deniedBy}: {m}"
            : status.Str("reason") is { Length: > 0 } r ? $"{deniedBy}: {r}"
            : $"{deniedBy} without explanation";
        return new ApiException((HttpStatusCode)(code < 400 || code > 599 ? 400 : code), status.Str("reason") ?? "", message);
    }

    private static string Truncate(string text) => text.Length > 256 ? text[..256] : text;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "admission webhook {Webhook} failed and its failurePolicy is Ignore: {Reason}")]
        public static partial void Ignored(ILogger logger, string webhook, string reason);
    }
}
