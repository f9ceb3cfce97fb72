using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>
/// Finds items of a list by merge key (or by value for a list of scalars) in constant time, so
/// merging and ordering a list of n items costs O(n), not O(n²): a 3 MiB patch holds a few hundred
/// thousand list items, and pairwise comparison of those runs for minutes.
/// </summary>
/// <remarks>
/// Items are bucketed by a coarse key that equal items always share (numbers by their double
/// value, so 1 and 1.0 meet); a bucket is then searched with the exact comparison.
/// </remarks>
internal sealed class ListIndex
{
    private readonly List<JsonNode?> _items;
    private readonly string? _mergeKey;
    private readonly Dictionary<string, List<int>> _buckets = new(StringComparer.Ordinal);

    public ListIndex(List<JsonNode?> items, string? mergeKey)
    {
        _items = items;
        _mergeKey = mergeKey;
        for (var i = 0; i < items.Count; i++)
        {
            Bucket(BucketKey(items[i])).Add(i);
        }
    }

    /// <summary>
    /// The first position holding <paramref name="item"/> itself, or an item with its merge key
    /// (its value, for scalars); -1 if there is none.
    /// </summary>
    public int IndexOf(JsonNode? item)
    {
        if (!_buckets.TryGetValue(BucketKey(item), out var bucket))
        {
            return -1;
        }

        foreach (var i in bucket)
        {
            if (ReferenceEquals(_items[i], item) && item is not null || Same(_items[i], item))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Records that <paramref name="item"/> was appended to the indexed list.</summary>
    public void Added(JsonNode? item) => Bucket(BucketKey(item)).Add(_items.Count - 1);

    private List<int> Bucket(string key)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = [];
            _buckets[key] = bucket;
        }

        return bucket;
    }

    private bool Same(JsonNode? candidate, JsonNode? item) =>
        _mergeKey is null
            ? JsonValues.DeepEqual(candidate, item)
            : item is JsonObject o && o.TryGetPropertyValue(_mergeKey, out var key) && key is not null
                && candidate is JsonObject c && c.TryGetPropertyValue(_mergeKey, out var other) && JsonValues.DeepEqual(other, key);

    private string BucketKey(JsonNode? item)
    {
        if (_mergeKey is null)
        {
            return Coarse(item);
        }

        // Items without a merge key only ever match themselves; they share one bucket.
        return item is JsonObject o && o.TryGetPropertyValue(_mergeKey, out var key) && key is not null ? "k" + Coarse(key) : "-";
    }

    /// <summary>A text equal items share: members sorted by name, numbers by their double value.</summary>
    private static string Coarse(JsonNode? node)
    {
        var text = new StringBuilder();
        Append(text, node);
        return text.ToString();
    }

    private static void Append(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case null:
                text.Append('z');
                break;
            case JsonObject obj:
                text.Append('{');
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(name.Length).Append(':').Append(name);
                    Append(text, value);
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                foreach (var item in array)
                {
                    Append(text, item);
                }

                text.Append(']');
                break;
            default:
                AppendScalar(text, (JsonValue)node);
                break;
        }
    }

    private static void AppendScalar(StringBuilder text, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                var s = value.GetValue<string>();
                text.Append('s').Append(s.Length).Append(':').Append(s);
                break;
            case JsonValueKind.Number when value.TryGetValue<double>(out var d):
                // -0 equals 0 (by value) and must share its bucket.
                text.Append('n').Append((d == 0 ? 0d : d).ToString("R", CultureInfo.InvariantCulture)).Append(';');
                break;
            case var kind:
                // true, false, and numbers beyond a double (compared by their spelling).
                text.Append('v').Append(kind == JsonValueKind.Number ? value.ToJsonString() : kind.ToString()).Append(';');
                break;
        }
    }
}
