namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// Whether one rule allows one request (upstream's rbac.RuleAllows). A resource request
/// matches on verb, API group, resource ("*", the exact "resource/subresource", or
/// "*/subresource"; "resource/*" is not a pattern, as upstream) and name (a rule with
/// resourceNames never matches a request without a name: list, watch, create,
/// deletecollection); a non-resource request on verb and path ("*", exact, or a trailing "*"
/// as a prefix).
/// </summary>
public static class RuleMatching
{
    public static bool Allows(RequestAttributes request, PolicyRule rule)
    {
        if (!VerbMatches(rule, request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return NonResourceUrlMatches(rule, request.Path);
        }

        return ApiGroupMatches(rule, request.ApiGroup)
            && ResourceMatches(rule, request.Resource, request.Subresource)
            && ResourceNameMatches(rule, request.Name);
    }

    public static bool AllowsAny(RequestAttributes request, IReadOnlyList<PolicyRule> rules)
    {
        foreach (var rule in rules)
        {
            if (Allows(request, rule))
            {
                return true;
            }
        }

        return false;
    }

    private static bool VerbMatches(PolicyRule rule, string verb)
    {
        foreach (var v in rule.Verbs)
        {
            if (v == PolicyRule.All || v == verb)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ApiGroupMatches(PolicyRule rule, string group)
    {
        foreach (var g in rule.ApiGroups)
        {
            if (g == PolicyRule.All || g == group)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ResourceMatches(PolicyRule rule, string resource, string subresource)
    {
        foreach (var r in rule.Resources)
        {
            if (r == PolicyRule.All)
            {
                return true;
            }

            if (subresource.Length == 0)
            {
                if (r == resource)
                {
                    return true;
                }

                continue;
            }

            // "resource/subresource" exactly, or "*/subresource" for that subresource of any resource.
            var slash = r.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !r.AsSpan(slash + 1).SequenceEqual(subresource))
            {
                continue;
            }

            var head = r.AsSpan(0, slash);
            if (head.SequenceEqual(PolicyRule.All) || head.SequenceEqual(resource))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ResourceNameMatches(PolicyRule rule, string name)
    {
        if (rule.ResourceNames.Count == 0)
        {
            return true;
        }

        foreach (var n in rule.ResourceNames)
        {
            if (n == name)
            {
                return true;
            }
        }

        return false;
    }

    private static bool NonResourceUrlMatches(PolicyRule rule, string path)
    {
        foreach (var url in rule.NonResourceUrls)
        {
            if (url == PolicyRule.All || url == path)
            {
                return true;
            }

            if (url.EndsWith('*') && path.StartsWith(url.TrimEnd('*'), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
