using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// A compiled metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists,
/// DoesNotExist). A null selector matches nothing and an empty one everything, as upstream's
/// LabelSelectorAsSelector. Immutable and thread-safe.
/// </summary>
public sealed class LabelMatcher
{
    private readonly KeyValuePair<string, string>[] _equals;
    private readonly Requirement[] _requirements;
    private readonly bool _nothing;

    private LabelMatcher(KeyValuePair<string, string>[] equals, Requirement[] requirements, bool nothing)
    {
        _equals = equals;
        _requirements = requirements;
        _nothing = nothing;
    }

    public static LabelMatcher Nothing { get; } = new([], [], true);

    public static LabelMatcher Everything { get; } = new([], [], false);

    public bool IsEverything => !_nothing && _equals.Length == 0 && _requirements.Length == 0;

    public static LabelMatcher From(V1LabelSelector? selector) => From(selector, null);

    /// <summary>
    /// Compiles <paramref name="selector"/>; <paramref name="extra"/> adds key=value requirements
    /// (matchLabelKeys of affinity terms and topology spread constraints).
    /// </summary>
    public static LabelMatcher From(V1LabelSelector? selector, IEnumerable<KeyValuePair<string, string>>? extra)
    {
        if (selector is null)
        {
            return Nothing;
        }

        var equals = new List<KeyValuePair<string, string>>();
        if (selector.MatchLabels is { } ml)
        {
            equals.AddRange(ml);
        }

        if (extra is not null)
        {
            equals.AddRange(extra);
        }

        var reqs = new List<Requirement>();
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var op = e.OperatorProperty switch
            {
                "In" => Op.In,
                "NotIn" => Op.NotIn,
                "Exists" => Op.Exists,
                "DoesNotExist" => Op.DoesNotExist,
                _ => throw new ArgumentException($"\"{e.OperatorProperty}\" is not a valid label selector operator"),
            };
            reqs.Add(new Requirement(e.Key, op, [.. e.Values ?? []]));
        }

        return new LabelMatcher([.. equals], [.. reqs], false);
    }

    /// <summary>Upstream's SelectorFromSet: every pair must be present.</summary>
    public static LabelMatcher FromSet(IDictionary<string, string>? set) =>
        set is null || set.Count == 0 ? Everything : new LabelMatcher([.. set], [], false);

    public bool Matches(IDictionary<string, string>? labels)
    {
        if (_nothing)
        {
            return false;
        }

        foreach (var (k, v) in _equals)
        {
            if (labels is null || !labels.TryGetValue(k, out var have) || have != v)
            {
                return false;
            }
        }

        foreach (var r in _requirements)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(r.Key, out value);
            var ok = r.Op switch
            {
                Op.In => has && Array.IndexOf(r.Values, value) >= 0,
                Op.NotIn => !has || Array.IndexOf(r.Values, value) < 0,
                Op.Exists => has,
                _ => !has,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private enum Op
    {
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Op Op, string[] Values);
}
