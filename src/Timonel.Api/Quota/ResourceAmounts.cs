using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Api.Quota;

/// <summary>
/// A resource list ("cpu" → 0.5, "memory" → 1 GiB) with decimal values, remembering which names
/// were written with binary suffixes so that messages print them as users wrote them.
/// </summary>
public sealed class ResourceAmounts
{
    private readonly SortedDictionary<string, decimal> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _binary = new(StringComparer.Ordinal);

    public IEnumerable<string> Names => _values.Keys;

    public int Count => _values.Count;

    public bool TryGet(string name, out decimal value) => _values.TryGetValue(name, out value);

    public decimal this[string name] => _values.TryGetValue(name, out var v) ? v : 0;

    public bool Contains(string name) => _values.ContainsKey(name);

    public bool IsBinary(string name) => _binary.Contains(name);

    public void Set(string name, decimal value, bool binary = false)
    {
        _values[name] = value;
        if (binary)
        {
            _binary.Add(name);
        }
    }

    public void Add(string name, decimal value, bool binary = false) => Set(name, this[name] + value, binary || _binary.Contains(name));

    public void AddAll(ResourceAmounts other)
    {
        foreach (var (name, value) in other._values)
        {
            Add(name, value, other._binary.Contains(name));
        }
    }

    /// <summary>Reads a JSON resource list; entries that are not quantities are skipped (validation has rejected them).</summary>
    public static ResourceAmounts FromJson(JsonObject? list)
    {
        var amounts = new ResourceAmounts();
        if (list is null)
        {
            return amounts;
        }

        foreach (var (name, node) in list)
        {
            var text = JsonAccess.Scalar(node);
            if (Quantity.TryParse(text, out var value))
            {
                amounts.Set(name, value, QuantityFormat.IsBinary(text));
            }
        }

        return amounts;
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (name, value) in _values)
        {
            json[name] = FormatValue(name);
        }

        return json;
    }

    public string FormatValue(string name) => QuantityFormat.Format(this[name], _binary.Contains(name));

    /// <summary>"cpu=500m,memory=1Gi" for the named resources, as upstream's quota messages print lists.</summary>
    public string Describe(IEnumerable<string> names) => string.Join(",", names.Order(StringComparer.Ordinal).Select(n => $"{n}={FormatValue(n)}"));
}
