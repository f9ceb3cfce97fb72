using System.Globalization;
using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// A compiled v1.NodeSelector: the terms are ORed, the requirements of a term ANDed; a term
/// with no requirements matches nothing. Supports In, NotIn, Exists, DoesNotExist, Gt, Lt on
/// labels and In/NotIn on the metadata.name field, as upstream's nodeaffinity helpers.
/// </summary>
public sealed class NodeSelectorMatcher
{
    private readonly Term[] _terms;

    private NodeSelectorMatcher(Term[] terms) => _terms = terms;

    public static NodeSelectorMatcher From(V1NodeSelector selector) =>
        new([.. (selector.NodeSelectorTerms ?? []).Select(Term.From)]);

    public static NodeSelectorMatcher FromTerm(V1NodeSelectorTerm term) => new([Term.From(term)]);

    public bool Matches(V1Node node)
    {
        foreach (var t in _terms)
        {
            if (t.Matches(node))
            {
                return true;
            }
        }

        return false;
    }

    private sealed record Requirement(string Key, string Op, string[] Values)
    {
        public bool Matches(IDictionary<string, string>? labels)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(Key, out value);
            switch (Op)
            {
                case "In": return has && Array.IndexOf(Values, value) >= 0;
                case "NotIn": return !has || Array.IndexOf(Values, value) < 0;
                case "Exists": return has;
                case "DoesNotExist": return !has;
                case "Gt":
                case "Lt":
                    if (!has || Values.Length != 1
                        || !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var have)
                        || !long.TryParse(Values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var want))
                    {
                        return false;
                    }

                    return Op == "Gt" ? have > want : have < want;
                default: return false;
            }
        }
    }

    private sealed record Term(Requirement[] Labels, Requirement[] Fields)
    {
        public static Term From(V1NodeSelectorTerm t) => new(
            [.. (t.MatchExpressions ?? []).Select(e => new Requirement(e.Key, e.OperatorProperty, [.. e.Values ?? []]))],
            [.. (t.MatchFields ?? []).Select(e => new Requirement(e.Key, e.OperatorProperty, [.. e.Values ?? []]))]);

        public bool Matches(V1Node node)
        {
            if (Labels.Length == 0 && Fields.Length == 0)
            {
                return false;
            }

            foreach (var r in Labels)
            {
                if (!r.Matches(node.Metadata?.Labels))
                {
                    return false;
                }
            }

            foreach (var r in Fields)
            {
                // Only metadata.name is a supported field, as upstream.
                if (r.Key != "metadata.name")
                {
                    return false;
                }

                var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["metadata.name"] = node.Metadata?.Name ?? string.Empty };
                if (!r.Matches(fields))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
