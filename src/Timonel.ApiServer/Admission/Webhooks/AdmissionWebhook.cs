using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// One webhook of a Validating- or MutatingWebhookConfiguration, with upstream's defaults filled
/// in (failurePolicy Fail, matchPolicy Equivalent, timeoutSeconds 10, reinvocationPolicy Never,
/// empty selectors match everything). The stored object was validated on write.
/// </summary>
internal sealed record AdmissionWebhook(
    string Name,
    string Configuration,
    JsonObject ClientConfig,
    IReadOnlyList<JsonObject> Rules,
    bool FailOpen,
    bool Equivalent,
    JsonObject? NamespaceSelector,
    JsonObject? ObjectSelector,
    string? SideEffects,
    TimeSpan Timeout,
    IReadOnlyList<string> ReviewVersions,
    bool ReinvokeIfNeeded,
    IReadOnlyList<(string Name, string Expression)> MatchConditions)
{
    /// <summary>Upstream's default timeoutSeconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The webhooks of one configuration, in the order listed.</summary>
    public static IEnumerable<AdmissionWebhook> Of(JsonObject configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configName = ObjectMetaAccess.Name(configuration) ?? "";
        foreach (var item in configuration.Arr("webhooks") ?? [])
        {
            if (item is not JsonObject webhook)
            {
                continue;
            }

            yield return new AdmissionWebhook(
                webhook.Str("name") ?? "",
                configName,
                webhook.Obj("clientConfig") ?? [],
                (webhook.Arr("rules") ?? []).OfType<JsonObject>().ToList(),
                webhook.Str("failurePolicy") == "Ignore",
                webhook.Str("matchPolicy") != "Exact",
                webhook.Obj("namespaceSelector"),
                webhook.Obj("objectSelector"),
                webhook.Str("sideEffects"),
                webhook.Int("timeoutSeconds") is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : DefaultTimeout,
                webhook.Arr("admissionReviewVersions").Strings().Select(v => v.Value).ToList(),
                webhook.Str("reinvocationPolicy") == "IfNeeded",
                (webhook.Arr("matchConditions") ?? []).OfType<JsonObject>().Select(c => (c.Str("name") ?? "", c.Str("expression") ?? "")).ToList());
        }
    }

    /// <summary>sideEffects None or NoneOnDryRun: the webhook may be called for a dryRun request.</summary>
    public bool DryRunSafe => SideEffects is "None" or "NoneOnDryRun";
}
