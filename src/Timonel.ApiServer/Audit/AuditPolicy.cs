using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Audit;

/// <summary>How much of a request the audit log records (audit.k8s.io/v1 Level), in increasing order.</summary>
public enum AuditLevel
{
    None,
    Metadata,
    Request,
    RequestResponse,
}

/// <summary>The stages at which an event is written (audit.k8s.io/v1 Stage).</summary>
public static class AuditStages
{
    public const string RequestReceived = "RequestReceived";
    public const string ResponseStarted = "ResponseStarted";
    public const string ResponseComplete = "ResponseComplete";
    public const string Panic = "Panic";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { RequestReceived, ResponseStarted, ResponseComplete, Panic };
}

/// <summary>What the policy decided for one request: its level, the stages not written, and whether managedFields are dropped from bodies.</summary>
public sealed record AuditDecision(AuditLevel Level, IReadOnlySet<string> OmitStages, bool OmitManagedFields)
{
    /// <summary>Without a policy file: every request at Metadata, at ResponseComplete only (Timonel's behaviour before policies existed).</summary>
    public static readonly AuditDecision NoPolicy = new(AuditLevel.Metadata, new HashSet<string>(StringComparer.Ordinal) { AuditStages.RequestReceived, AuditStages.ResponseStarted }, false);

    public bool Writes(string stage) => Level != AuditLevel.None && !OmitStages.Contains(stage);
}

/// <summary>One group's resources in a rule (audit.k8s.io/v1 GroupResources).</summary>
public sealed record AuditGroupResources(string Group, IReadOnlyList<string> Resources, IReadOnlyList<string> ResourceNames);

/// <summary>One rule of a policy (audit.k8s.io/v1 PolicyRule); empty lists match everything.</summary>
public sealed record AuditPolicyRule(
    AuditLevel Level,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> UserGroups,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<AuditGroupResources> Resources,
    IReadOnlyList<string> Namespaces,
    IReadOnlyList<string> NonResourceUrls,
    IReadOnlyList<string> OmitStages,
    bool? OmitManagedFields);

/// <summary>
/// An audit.k8s.io/v1 Policy as upstream's policy checker applies it: the first rule that matches
/// the request decides its level; no match means None. The user matched is the authenticated one,
/// before impersonation, as upstream's audit filter runs before impersonation.
/// </summary>
public sealed class AuditPolicy(IReadOnlyList<AuditPolicyRule> rules, IReadOnlyList<string> omitStages, bool omitManagedFields)
{
    public IReadOnlyList<AuditPolicyRule> Rules => rules;

    public AuditDecision Evaluate(RequestAttributes attributes, UserInfo user)
    {
        foreach (var rule in rules)
        {
            if (Matches(rule, attributes, user))
            {
                var omit = new HashSet<string>(omitStages, StringComparer.Ordinal);
                omit.UnionWith(rule.OmitStages);
                return new AuditDecision(rule.Level, omit, rule.OmitManagedFields ?? omitManagedFields);
            }
        }

        return new AuditDecision(AuditLevel.None, new HashSet<string>(omitStages, StringComparer.Ordinal), omitManagedFields);
    }

    private static bool Matches(AuditPolicyRule rule, RequestAttributes a, UserInfo user)
    {
        if (rule.Users.Count > 0 && !rule.Users.Contains(user.Name, StringComparer.Ordinal))
        {
            return false;
        }

        if (rule.UserGroups.Count > 0 && !user.Groups.Any(g => rule.UserGroups.Contains(g, StringComparer.Ordinal)))
        {
            return false;
        }

        if (rule.Verbs.Count > 0 && !rule.Verbs.Contains(a.Verb, StringComparer.Ordinal))
        {
            return false;
        }

        if (rule.Namespaces.Count > 0 || rule.Resources.Count > 0)
        {
            return MatchesResource(rule, a);
        }

        if (rule.NonResourceUrls.Count > 0)
        {
            return !a.IsResourceRequest && rule.NonResourceUrls.Any(spec => PathMatches(a.Path, spec));
        }

        return true;
    }

    private static bool MatchesResource(AuditPolicyRule rule, RequestAttributes a)
    {
        if (!a.IsResourceRequest)
        {
            return false;
        }

        // "" in namespaces names cluster-scoped requests.
        if (rule.Namespaces.Count > 0 && !rule.Namespaces.Contains(a.Namespace, StringComparer.Ordinal))
        {
            return false;
        }

        if (rule.Resources.Count == 0)
        {
            return true;
        }

        var combined = a.Subresource.Length > 0 ? a.Resource + "/" + a.Subresource : a.Resource;
        foreach (var group in rule.Resources)
        {
            if (group.Group != a.ApiGroup)
            {
                continue;
            }

            if (group.Resources.Count == 0)
            {
                return true;
            }

            if (group.ResourceNames.Count > 0 && !group.ResourceNames.Contains(a.Name, StringComparer.Ordinal))
            {
                continue;
            }

            foreach (var resource in group.Resources)
            {
                if (resource == "*" || resource == combined
                    || (a.Subresource.Length > 0 && resource.StartsWith("*/", StringComparison.Ordinal) && resource[2..] == a.Subresource)
                    || (resource.EndsWith("/*", StringComparison.Ordinal) && resource[..^2] == a.Resource))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool PathMatches(string path, string spec) =>
        spec == "*" || spec == path || (spec.EndsWith('*') && path.StartsWith(spec[..^1], StringComparison.Ordinal));
}
