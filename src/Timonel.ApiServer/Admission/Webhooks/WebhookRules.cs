using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// Whether a webhook's rules cover a request (upstream's RuleWithOperations matching):
/// operations, apiGroups, apiVersions, resources ("*" is every resource but no subresource,
/// "pods/*" pods and all its subresources, "*/status" every status, "*/*" everything) and scope.
/// With matchPolicy Equivalent another version of the same resource the rule names matches too,
/// and the webhook gets the object in that version.
/// </summary>
internal static class WebhookRules
{
    /// <summary>The version the webhook wants the object in, or null when no rule matches.</summary>
    public static string? Match(AdmissionWebhook webhook, ApiResource resource, string subresource, string operation, string ns)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(resource);
        string? equivalent = null;
        foreach (var rule in webhook.Rules)
        {
            if (!Covers(rule, "operations", operation) || !Covers(rule, "apiGroups", resource.Group)
                || !ResourceMatches(rule, resource.Plural, subresource) || !ScopeMatches(rule, resource, ns))
            {
                continue;
            }

            if (Covers(rule, "apiVersions", resource.Version))
            {
                return resource.Version;
            }

            if (webhook.Equivalent && equivalent is null)
            {
                equivalent = resource.Definition.Versions.Where(v => v.Served).Select(v => v.Name).FirstOrDefault(v => Covers(rule, "apiVersions", v));
            }
        }

        return equivalent;
    }

    private static bool Covers(JsonObject rule, string field, string value) =>
        rule.Arr(field).Strings().Any(s => s.Value == "*" || s.Value == value);

    private static bool ResourceMatches(JsonObject rule, string resource, string subresource)
    {
        foreach (var (_, entry) in rule.Arr("resources").Strings())
        {
            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            var (res, sub) = slash < 0 ? (entry, "") : (entry[..slash], entry[(slash + 1)..]);
            if ((res == "*" || res == resource) && (sub == "*" || sub == subresource))
            {
                return true;
            }
        }

        return false;
    }

    // Scope "*" (the default) matches all; Cluster only cluster-scoped requests, Namespaced only namespaced ones.
    private static bool ScopeMatches(JsonObject rule, ApiResource resource, string ns) => rule.Str("scope") switch
    {
        "Cluster" => !resource.Namespaced && ns.Length == 0,
        "Namespaced" => resource.Namespaced,
        _ => true,
    };
}
