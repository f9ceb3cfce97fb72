using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Patch;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// Upstream's MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins: the webhooks of
/// the stored configurations (read from the watch-fed caches, configurations in name order,
/// webhooks as listed) are called for the client requests their rules and selectors match.
/// Mutating webhooks run one after another and their JSONPatches apply in turn (those with
/// reinvocationPolicy IfNeeded run once more when a later one changed the object); validating
/// webhooks run in parallel and the first refusal (in configuration order) answers the client.
/// matchConditions (CEL) narrow the matched requests further.
/// Requests for admissionregistration.k8s.io objects never reach a webhook, as upstream, so a
/// broken webhook can always be removed.
/// </summary>
internal sealed class AdmissionWebhooks(WatchedObjects validating, WatchedObjects mutating, WebhookSelectors selectors, AdmissionReviewCaller caller)
{
    private readonly WebhookMatchConditions _conditions = new();

    private const string ExemptGroup = "admissionregistration.k8s.io";

    public async Task ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var matched = await MatchAsync(validating, request, cancellationToken).ConfigureAwait(false);
        if (matched.Count == 0)
        {
            return;
        }

        var verdicts = await Task.WhenAll(matched.Select(m => CallAsync(m.Webhook, m.Version, request, request.Object, cancellationToken))).ConfigureAwait(false);
        if (verdicts.Select(v => v.Denial).FirstOrDefault(d => d is not null) is { } denial)
        {
            throw denial;
        }
    }

    /// <summary>The object as the mutating webhooks leave it (<paramref name="request"/>'s object when none matched or none changed it).</summary>
    public async Task<JsonObject> MutateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var obj = request.Object ?? throw new ArgumentException("a mutating admission request carries the object", nameof(request));
        var matched = await MatchAsync(mutating, request, cancellationToken).ConfigureAwait(false);
        var lastChange = -1;
        for (var i = 0; i < matched.Count; i++)
        {
            var (changed, next) = await MutateOnceAsync(matched[i], request, obj, cancellationToken).ConfigureAwait(false);
            (obj, lastChange) = changed ? (next, i) : (obj, lastChange);
        }

        // IfNeeded: a webhook whose input a later one changed sees the object once more.
        for (var i = 0; i < lastChange; i++)
        {
            if (matched[i].Webhook.ReinvokeIfNeeded)
            {
                (_, obj) = await MutateOnceAsync(matched[i], request, obj, cancellationToken).ConfigureAwait(false);
            }
        }

        return obj;
    }

    private async Task<(bool Changed, JsonObject Object)> MutateOnceAsync((AdmissionWebhook Webhook, string Version) match, AdmissionRequest request, JsonObject obj, CancellationToken cancellationToken)
    {
        var (webhook, version) = match;
        var verdict = await CallAsync(webhook, version, request, obj, cancellationToken).ConfigureAwait(false);
        if (verdict.Denial is { } denial)
        {
            throw denial;
        }

        if (verdict.Patch is not { Count: > 0 } patch)
        {
            return (false, obj);
        }

        var inVersion = new ApiResource(request.Resource.Definition, version);
        JsonObject patched;
        try
        {
            patched = PatchApplier.Apply(PatchApplier.JsonPatch, await inVersion.FromStorageAsync(obj, cancellationToken).ConfigureAwait(false), patch, inVersion.ModelType);
        }
        catch (ApiException e)
        {
            throw ApiException.Internal($"Internal error occurred: admission webhook \"{webhook.Name}\" returned a patch that does not apply: {e.Message}");
        }

        var stored = await inVersion.ToStorageAsync(patched, cancellationToken).ConfigureAwait(false);
        return (!JsonNode.DeepEquals(stored, obj), stored);
    }

    private async Task<AdmissionVerdict> CallAsync(AdmissionWebhook webhook, string version, AdmissionRequest request, JsonObject? obj, CancellationToken cancellationToken)
    {
        var inVersion = new ApiResource(request.Resource.Definition, version);
        var sent = obj is null || version == request.Resource.Version ? obj : await inVersion.FromStorageAsync(obj, cancellationToken).ConfigureAwait(false);
        var old = request.OldObject is null || version == request.Resource.Version ? request.OldObject : await inVersion.FromStorageAsync(request.OldObject, cancellationToken).ConfigureAwait(false);
        var body = AdmissionReviewRequest.Build(request, Operation(request.Operation), version, sent, old);
        var (matches, error) = _conditions.Evaluate(webhook, body);
        if (!matches || (error is not null && webhook.FailOpen))
        {
            return AdmissionVerdict.Ignored;
        }

        if (error is not null)
        {
            throw ApiException.Internal($"Internal error occurred: failed calling webhook \"{webhook.Name}\": {error}");
        }

        return await caller.CallAsync(webhook, body, request.Warnings, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<(AdmissionWebhook Webhook, string Version)>> MatchAsync(WatchedObjects configurations, AdmissionRequest request, CancellationToken cancellationToken)
    {
        List<(AdmissionWebhook, string)> matched = [];
        if (request.Resource.Group == ExemptGroup)
        {
            return matched;
        }

        var stored = await configurations.ListAsync(null, cancellationToken).ConfigureAwait(false);
        var operation = Operation(request.Operation);
        foreach (var webhook in stored.OrderBy(c => Api.Validation.ObjectMetaAccess.Name(c), StringComparer.Ordinal).SelectMany(AdmissionWebhook.Of))
        {
            if (WebhookRules.Match(webhook, request.Resource, request.Subresource, operation, request.Namespace) is not { } version
                || !await selectors.MatchesAsync(webhook, request, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            // Upstream refuses the whole request rather than skip a webhook that might have side effects.
            if (request.DryRun && !webhook.DryRunSafe)
            {
                throw ApiException.BadRequest($"admission webhook \"{webhook.Name}\" does not support dry run");
            }

            matched.Add((webhook, version));
        }

        return matched;
    }

    private static string Operation(AdmissionOperation operation) => operation switch
    {
        AdmissionOperation.Create => "CREATE",
        AdmissionOperation.Update => "UPDATE",
        _ => "DELETE",
    };
}
