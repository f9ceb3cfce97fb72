namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// Whether one set of rules grants everything another does (upstream's validation.Covers, the
/// heart of RBAC's escalation prevention): every rule asked for is broken down into single
/// verb / group / resource / name (or URL) pieces, and each piece must be granted by one
/// owner rule on its own.
/// </summary>
public static class RuleCoverage
{
    /// <summary>True when <paramref name="owner"/> covers <paramref name="servant"/>; else the pieces it does not.</summary>
    public static (bool Covered, IReadOnlyList<PolicyRule> Missing) Covers(IReadOnlyList<PolicyRule> owner, IReadOnlyList<PolicyRule> servant)
    {
        var missing = new List<PolicyRule>();
        foreach (var rule in servant)
        {
            foreach (var piece in Breakdown(rule))
            {
                if (!owner.Any(o => RuleCovers(o, piece)))
                {
                    missing.Add(piece);
                }
            }
        }

        return (missing.Count == 0, missing);
    }

    /// <summary>Upstream's BreakdownRule: one rule per group × resource × verb (× name), and per URL × verb.</summary>
    public static IEnumerable<PolicyRule> Breakdown(PolicyRule rule)
    {
        foreach (var group in rule.ApiGroups)
        {
            foreach (var resource in rule.Resources)
            {
                foreach (var verb in rule.Verbs)
                {
                    if (rule.ResourceNames.Count > 0)
                    {
                        foreach (var name in rule.ResourceNames)
                        {
                            yield return new PolicyRule([verb], [group], [resource], [name], []);
                        }
                    }
                    else
                    {
                        yield return new PolicyRule([verb], [group], [resource], [], []);
                    }
                }
            }
        }

        foreach (var url in rule.NonResourceUrls)
        {
            foreach (var verb in rule.Verbs)
            {
                yield return new PolicyRule([verb], [], [], [], [url]);
            }
        }
    }

    /// <summary>
    /// Upstream's CompactRules: broken-down rules that differ only in their verb (one group, one
    /// resource, at most one name, nothing else) are merged, verbs in order; the others are kept.
    /// </summary>
    public static IReadOnlyList<PolicyRule> Compact(IReadOnlyList<PolicyRule> rules)
    {
        var compacted = new List<PolicyRule>(rules.Count);
        var simple = new Dictionary<(string Group, string Resource, string? Name), List<string>>();
        var order = new List<(string Group, string Resource, string? Name)>();
        foreach (var rule in rules)
        {
            if (rule.ResourceNames.Count <= 1 && rule.NonResourceUrls.Count == 0 && rule.ApiGroups.Count == 1 && rule.Resources.Count == 1)
            {
                var key = (rule.ApiGroups[0], rule.Resources[0], rule.ResourceNames.Count == 0 ? null : rule.ResourceNames[0]);
                if (!simple.TryGetValue(key, out var verbs))
                {
                    verbs = [];
                    simple[key] = verbs;
                    order.Add(key);
                }

                verbs.AddRange(rule.Verbs);
            }
            else
            {
                compacted.Add(rule);
            }
        }

        foreach (var key in order)
        {
            compacted.Add(new PolicyRule(simple[key], [key.Group], [key.Resource], key.Name is null ? [] : [key.Name], []));
        }

        return compacted;
    }

    private static bool RuleCovers(PolicyRule owner, PolicyRule piece)
    {
        var verbs = owner.Verbs.Contains(PolicyRule.All) || HasAll(owner.Verbs, piece.Verbs);
        var groups = owner.ApiGroups.Contains(PolicyRule.All) || HasAll(owner.ApiGroups, piece.ApiGroups);
        var names = piece.ResourceNames.Count == 0
            ? owner.ResourceNames.Count == 0
            : owner.ResourceNames.Count == 0 || HasAll(owner.ResourceNames, piece.ResourceNames);
        return verbs && groups && names && ResourcesCoverAll(owner.Resources, piece.Resources) && UrlsCoverAll(owner.NonResourceUrls, piece.NonResourceUrls);
    }

    private static bool HasAll(IReadOnlyList<string> set, IReadOnlyList<string> wanted) => wanted.All(set.Contains);

    private static bool ResourcesCoverAll(IReadOnlyList<string> owned, IReadOnlyList<string> wanted)
    {
        if (owned.Contains(PolicyRule.All) || HasAll(owned, wanted))
        {
            return true;
        }

        foreach (var path in wanted)
        {
            if (owned.Contains(path))
            {
                continue;
            }

            // A subresource is also covered by "*/subresource".
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !owned.Contains("*/" + path[(slash + 1)..]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool UrlsCoverAll(IReadOnlyList<string> owned, IReadOnlyList<string> wanted) =>
        wanted.All(path => owned.Any(o => o == path || (o.EndsWith('*') && path.StartsWith(o.TrimEnd('*'), StringComparison.Ordinal))));
}
