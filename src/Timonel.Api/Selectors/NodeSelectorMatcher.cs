using System.Globalization;
using k8s.Models;

namespace Timonel.Api.Selectors;

/// <summary>
/// A compiled v1.NodeSelector, as upstream's component-helpers nodeaffinity.NodeSelector: terms are
/// ORed, the requirements of a term ANDed, and a term with no requirements matches nothing.
/// matchExpressions test the node's labels with In, NotIn, Exists, DoesNotExist, Gt and Lt;
/// matchFields test the node's fields (only metadata.name exists) with In and NotIn. A term with a
/// malformed requirement (unknown operator, wrong number of values, Gt/Lt on a non-integer) matches
/// nothing, as upstream's lazy-error selector drops it. Immutable and thread-safe.
/// </summary>
public sealed class NodeSelectorMatcher
{
    private readonly Term?[] _terms;

    private NodeSelectorMatcher(Term?[] terms) => _terms = terms;

    public static NodeSelectorMatcher From(V1NodeSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new([.. (selector.NodeSelectorTerms ?? []).Select(Term.From)]);
    }

    /// <summary>One term alone (a preferred scheduling term's preference).</summary>
    public static NodeSelectorMatcher FromTerm(V1NodeSelectorTerm term) => new([Term.From(term)]);

    public bool Matches(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Matches(node.Metadata?.Labels, node.Metadata?.Name);
    }

    /// <summary>Matches a node known by its labels and name (e.g. with labels a caller completed).</summary>
    public bool Matches(IDictionary<string, string>? labels, string? nodeName)
    {
        foreach (var t in _terms)
        {
            if (t is not null && t.Matches(labels, nodeName ?? string.Empty))
            {
                return true;
            }
        }

        return false;
    }

    private enum Op
    {
        In,
        NotIn,
        Exists,
        DoesNotExist,
        Gt,
        Lt,
    }

    private sealed record Requirement(string Key, Op Op, string[] Values, long Bound)
    {
        /// <summary>A label requirement, or null when malformed (upstream's NewRequirement errors).</summary>
        public static Requirement? Label(V1NodeSelectorRequirement r)
        {
            string[] values = [.. r.Values ?? []];
            switch (r.OperatorProperty)
            {
                case "In" or "NotIn" when values.Length > 0:
                    return new(r.Key, r.OperatorProperty == "In" ? Op.In : Op.NotIn, values, 0);
                case "Exists" or "DoesNotExist" when values.Length == 0:
                    return new(r.Key, r.OperatorProperty == "Exists" ? Op.Exists : Op.DoesNotExist, values, 0);
                case "Gt" or "Lt" when values.Length == 1 && TryParseInt64(values[0], out var bound):
                    return new(r.Key, r.OperatorProperty == "Gt" ? Op.Gt : Op.Lt, values, bound);
                default:
                    return null;
            }
        }

        /// <summary>A field requirement: In or NotIn with exactly one value, else null.</summary>
        public static Requirement? Field(V1NodeSelectorRequirement r) =>
            r.OperatorProperty is "In" or "NotIn" && r.Values is { Count: 1 }
                ? new(r.Key, r.OperatorProperty == "In" ? Op.In : Op.NotIn, [r.Values[0]], 0)
                : null;

        public bool Matches(IDictionary<string, string>? labels)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(Key, out value);
            return Op switch
            {
                Op.In => has && Array.IndexOf(Values, value) >= 0,
                Op.NotIn => !has || Array.IndexOf(Values, value) < 0,
                Op.Exists => has,
                Op.DoesNotExist => !has,
                Op.Gt => has && TryParseInt64(value!, out var gt) && gt > Bound,
                _ => has && TryParseInt64(value!, out var lt) && lt < Bound,
            };
        }

        /// <summary>Go's strconv.ParseInt(s, 10, 64): an optional sign and digits, nothing else.</summary>
        private static bool TryParseInt64(string s, out long value) =>
            long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private sealed record Term(Requirement[] Labels, Requirement[] Fields)
    {
        /// <summary>The compiled term, or null when it can never match (empty or malformed).</summary>
        public static Term? From(V1NodeSelectorTerm? t)
        {
            var labels = (t?.MatchExpressions ?? []).Select(Requirement.Label).ToArray();
            var fields = (t?.MatchFields ?? []).Select(Requirement.Field).ToArray();
            if ((labels.Length == 0 && fields.Length == 0) || labels.Contains(null) || fields.Contains(null))
            {
                return null;
            }

            return new Term([.. labels.OfType<Requirement>()], [.. fields.OfType<Requirement>()]);
        }

        public bool Matches(IDictionary<string, string>? labels, string nodeName)
        {
            foreach (var r in Labels)
            {
                if (!r.Matches(labels))
                {
                    return false;
                }
            }

            foreach (var r in Fields)
            {
                // A field selector reads a field it does not know as empty, so In fails and NotIn holds.
                var value = r.Key == "metadata.name" ? nodeName : string.Empty;
                if ((Array.IndexOf(r.Values, value) >= 0) != (r.Op == Op.In))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
