using System.Text.Json.Nodes;
using k8s.Models;

namespace Timonel.Api.Selectors;

/// <summary>
/// A parsed label selector: an AND of <see cref="LabelRequirement"/>s, kept sorted by key as
/// upstream keeps them. Immutable and safe to share between threads.
/// </summary>
public sealed class LabelSelector
{
    private static readonly Dictionary<string, string> NoLabels = [];

    private readonly bool _matchesNothing;

    // An array, not the interface: Matches runs per object on hot paths (the scheduler, controllers)
    // and a for loop over an array allocates no enumerator.
    private readonly LabelRequirement[] _requirements;

    private LabelSelector(LabelRequirement[] requirements, bool matchesNothing)
    {
        _requirements = requirements;
        _matchesNothing = matchesNothing;
    }

    /// <summary>Matches every object (the empty selector).</summary>
    public static LabelSelector Everything { get; } = new([], false);

    /// <summary>Matches no object (what a null metav1.LabelSelector means).</summary>
    public static LabelSelector Nothing { get; } = new([], true);

    /// <summary>True when the selector does not restrict anything (upstream's Empty(); false for <see cref="Nothing"/>).</summary>
    public bool IsEmpty => _requirements.Length == 0 && !_matchesNothing;

    /// <summary>The requirements, sorted by key.</summary>
    public IReadOnlyList<LabelRequirement> Requirements => _requirements;

    /// <summary>
    /// Parses the query-string form ("a=b,c!=d,e in (f,g),!h,i&gt;3"); null, empty or blank text is
    /// <see cref="Everything"/>. Throws ApiException 400 with upstream's message on bad syntax or on an
    /// invalid key or value.
    /// </summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Everything;
        }

        SelectorLimits.Check("labelSelector", text);
        var requirements = LabelSelectorParser.Parse(text);
        return requirements.Count == 0 ? Everything : new LabelSelector([.. requirements], false);
    }

    /// <summary>A selector of the requirements given (sorted by key here); none makes <see cref="Everything"/>.</summary>
    public static LabelSelector From(IEnumerable<LabelRequirement> requirements)
    {
        var array = requirements.ToArray();
        if (array.Length == 0)
        {
            return Everything;
        }

        // Most selectors have one or two terms, often already in order: sort only when needed (stable, as before).
        for (var i = 1; i < array.Length; i++)
        {
            if (string.CompareOrdinal(array[i - 1].Key, array[i].Key) > 0)
            {
                array = [.. array.OrderBy(r => r.Key, StringComparer.Ordinal)];
                break;
            }
        }

        return new LabelSelector(array, false);
    }

    /// <summary>
    /// A typed metav1.LabelSelector, as upstream's LabelSelectorAsSelector (see
    /// <see cref="FromLabelSelectorJson"/>): null matches nothing, an empty selector everything, an
    /// invalid one throws ApiException 400 with upstream's message for its first problem.
    /// </summary>
    public static LabelSelector From(V1LabelSelector? selector) => MetaLabelSelector.ToSelector(selector, null);

    /// <summary>
    /// As <see cref="From(V1LabelSelector?)"/>, and every pair of <paramref name="matchLabelValues"/>
    /// must also be present (the scheduler's matchLabelKeys: keys of the pod's own labels with their
    /// values, added unchecked as upstream's SelectorFromSet does). A null selector still matches nothing.
    /// </summary>
    public static LabelSelector From(V1LabelSelector? selector, IEnumerable<KeyValuePair<string, string>>? matchLabelValues) =>
        MetaLabelSelector.ToSelector(selector, matchLabelValues);

    /// <summary>
    /// Upstream's SelectorFromSet: every key must equal its value. Null or empty is <see cref="Everything"/>.
    /// Like upstream, the set is not validated (a bad key simply matches nothing).
    /// </summary>
    public static LabelSelector FromSet(IReadOnlyDictionary<string, string>? set)
    {
        if (set is null || set.Count == 0)
        {
            return Everything;
        }

        return From(set.Select(kv => LabelRequirement.Unchecked(kv.Key, SelectionOperator.Equals, [kv.Value])));
    }

    /// <summary>
    /// Converts a metav1.LabelSelector ({matchLabels, matchExpressions}) as upstream's
    /// LabelSelectorAsSelector does: null matches nothing, an empty selector matches everything.
    /// An invalid selector throws ApiException 400 with upstream's message (the first problem only);
    /// to report every problem with field paths (a 422), call <see cref="MetaLabelSelector.Validate"/> first.
    /// </summary>
    public static LabelSelector FromLabelSelectorJson(JsonObject? metav1LabelSelector) => MetaLabelSelector.ToSelector(metav1LabelSelector);

    /// <summary>The labels of an object (metadata.labels), empty when it has none.</summary>
    public static IReadOnlyDictionary<string, string> LabelsOf(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta || meta["labels"] is not JsonObject labels || labels.Count == 0)
        {
            return NoLabels;
        }

        var result = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var s))
            {
                result[key] = s;
            }
        }

        return result;
    }

    /// <summary>Whether every requirement holds for these labels.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (_matchesNothing)
        {
            return false;
        }

        var requirements = _requirements;
        for (var i = 0; i < requirements.Length; i++)
        {
            if (!requirements[i].Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the object's metadata.labels match.</summary>
    public bool MatchesObject(JsonObject obj) => IsEmpty || Matches(LabelsOf(obj));

    /// <summary>
    /// When the selector pins the label to one value (by "=", "==" or a one-value "in"), that value;
    /// useful for indexed lookups.
    /// </summary>
    public bool RequiresExactMatch(string label, out string value)
    {
        foreach (var r in _requirements)
        {
            if (r.Key != label)
            {
                continue;
            }

            if (r.Operator is SelectionOperator.Equals or SelectionOperator.DoubleEquals or SelectionOperator.In && r.Values.Count == 1)
            {
                value = r.Values[0];
                return true;
            }

            break;
        }

        value = "";
        return false;
    }

    /// <summary>The canonical selector string ("a=b,c in (d,e)"), as upstream's String(); "" for Everything and Nothing.</summary>
    public override string ToString() => string.Join(",", (IEnumerable<LabelRequirement>)_requirements);
}
