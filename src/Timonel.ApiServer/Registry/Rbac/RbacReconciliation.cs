using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Upstream's RBAC reconciliation (pkg/registry/rbac/reconciliation) in its additive mode, the
/// one the API server uses for its bootstrap policy: what is missing from a stored role or
/// binding is added (labels, annotations, aggregation selectors, rules, subjects) and nothing a
/// user added is taken away. An object annotated rbac.authorization.kubernetes.io/autoupdate with
/// a false value is left as it is.
/// </summary>
internal static class RbacReconciliation
{
    /// <summary>The reconciled role, or null when <paramref name="existing"/> needs no change.</summary>
    public static JsonObject? ReconcileRole(JsonObject existing, JsonObject expected)
    {
        if (!AutoUpdates(existing))
        {
            return null;
        }

        var result = existing.DeepClone().AsObject();
        var changed = MergeMetadata(result, expected);

        if (expected["aggregationRule"]?["clusterRoleSelectors"] is JsonArray expectedSelectors)
        {
            // Aggregated roles get their rules from the aggregation controller, not from here.
            var aggregation = result["aggregationRule"] as JsonObject;
            if (aggregation is null)
            {
                result["aggregationRule"] = aggregation = [];
            }

            if (aggregation["clusterRoleSelectors"] is not JsonArray selectors)
            {
                aggregation["clusterRoleSelectors"] = selectors = [];
            }

            foreach (var selector in expectedSelectors)
            {
                if (!selectors.Any(s => JsonNode.DeepEquals(s, selector)))
                {
                    selectors.Add(selector!.DeepClone());
                    changed = true;
                }
            }
        }
        else
        {
            var rules = result["rules"] as JsonArray;
            // Upstream's ReconcileRole: the pieces of the expected rules the stored ones do not cover are appended.
            var (_, missing) = Security.Rbac.RuleCoverage.Covers(Security.Rbac.PolicyRule.ListFrom(rules), Security.Rbac.PolicyRule.ListFrom(expected["rules"]));
            if (missing.Count > 0)
            {
                if (rules is null)
                {
                    result["rules"] = rules = [];
                }

                foreach (var rule in missing)
                {
                    rules.Add(rule.ToJson());
                }

                changed = true;
            }
        }

        return changed ? result : null;
    }

    /// <summary>
    /// The reconciled binding, or null when none is needed. <c>Recreate</c> when the roleRef
    /// differs: roleRef cannot be updated, so the binding is deleted and created again.
    /// </summary>
    public static (JsonObject? Binding, bool Recreate) ReconcileBinding(JsonObject existing, JsonObject expected)
    {
        if (!AutoUpdates(existing))
        {
            return (null, false);
        }

        var result = existing.DeepClone().AsObject();
        var changed = MergeMetadata(result, expected);
        var recreate = false;
        if (!JsonNode.DeepEquals(existing["roleRef"], expected["roleRef"]))
        {
            result["roleRef"] = expected["roleRef"]!.DeepClone();
            recreate = changed = true;
        }

        var subjects = result["subjects"] as JsonArray;
        foreach (var subject in (expected["subjects"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if (subjects?.OfType<JsonObject>().Any(s => SameSubject(s, subject)) != true)
            {
                if (subjects is null)
                {
                    result["subjects"] = subjects = [];
                }

                subjects.Add(subject.DeepClone());
                changed = true;
            }
        }

        return (changed ? result : null, recreate);
    }

    /// <summary>Upstream's shouldReconcile: unless the annotation parses as a false boolean (Go's strconv.ParseBool).</summary>
    public static bool AutoUpdates(JsonObject obj) =>
        obj["metadata"]?["annotations"]?[BootstrapPolicy.AutoUpdateAnnotation] is not JsonValue v
        || !v.TryGetValue<string>(out var text)
        || text is not ("0" or "f" or "F" or "false" or "FALSE" or "False");

    /// <summary>Adds the expected labels and annotations a stored object lacks; the stored values win.</summary>
    private static bool MergeMetadata(JsonObject result, JsonObject expected)
    {
        var changed = false;
        if (result["metadata"] is not JsonObject meta)
        {
            return false;
        }

        foreach (var field in (string[])["labels", "annotations"])
        {
            if (expected["metadata"]?[field] is not JsonObject wanted)
            {
                continue;
            }

            if (meta[field] is not JsonObject have)
            {
                meta[field] = have = [];
            }

            foreach (var (key, value) in wanted)
            {
                if (!have.ContainsKey(key))
                {
                    have[key] = value?.DeepClone();
                    changed = true;
                }
            }
        }

        return changed;
    }

    private static bool SameSubject(JsonObject a, JsonObject b) =>
        Str(a, "kind") == Str(b, "kind") && Str(a, "name") == Str(b, "name") && (Str(a, "namespace") ?? "") == (Str(b, "namespace") ?? "")
        && ApiGroup(a) == ApiGroup(b);

    /// <summary>Users and groups are in the RBAC group whether or not the stored subject says so.</summary>
    private static string ApiGroup(JsonObject subject) =>
        Str(subject, "apiGroup") is { Length: > 0 } group ? group : Str(subject, "kind") is "User" or "Group" ? BootstrapPolicy.RbacGroup : "";

    private static string? Str(JsonObject obj, string field) => obj[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
