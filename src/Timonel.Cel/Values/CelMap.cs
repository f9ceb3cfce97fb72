using System.Collections;
using System.Text.Json.Nodes;

namespace Timonel.Cel.Values;

/// <summary>A CEL map: keys are int, uint, bool or string; lookups follow heterogeneous numeric equality.</summary>
public abstract class CelMap : CelValue
{
    public override CelType Type => CelType.Map;

    public abstract int Count { get; }

    public abstract IEnumerable<CelValue> Keys { get; }

    public abstract bool TryGet(CelValue key, out CelValue value);

    public override string ToString() => "{" + string.Join(", ", Keys.Select(k => $"{k}: {(TryGet(k, out var v) ? v : null)}")) + "}";
}

/// <summary>A map built by a literal or a conversion; insertion order is kept, as cel-go's literal maps iterate.</summary>
public sealed class CelMapValue : CelMap
{
    private readonly Dictionary<CelValue, CelValue> _entries;

    public CelMapValue(Dictionary<CelValue, CelValue> entries) => _entries = entries;

    public static Dictionary<CelValue, CelValue> NewDictionary() => new(CelKeyComparer.Instance);

    public override int Count => _entries.Count;

    public override IEnumerable<CelValue> Keys => _entries.Keys;

    public override bool TryGet(CelValue key, out CelValue value) => _entries.TryGetValue(key, out value!);

    internal static CelValue FromDictionary(IDictionary dict)
    {
        var entries = NewDictionary();
        foreach (DictionaryEntry e in dict)
        {
            entries[From(e.Key)] = From(e.Value);
        }
        return new CelMapValue(entries);
    }
}

/// <summary>
/// A JSON object seen as a map from field names; values are wrapped when read, never copied. With a
/// schema type (an object type or map(string, V)) the values are read as that type says, and escaped
/// field names (`x__dash__y`) find their properties (`x-y`).
/// </summary>
internal sealed class CelJsonMap(JsonObject obj, CelType? type = null) : CelMap
{
    public override int Count => obj.Count;

    public override IEnumerable<CelValue> Keys => obj.Select(p => (CelValue)new CelString(p.Key));

    public JsonObject Node => obj;

    public override bool TryGet(CelValue key, out CelValue value)
    {
        value = CelNull.Instance;
        if (key is not CelString s)
        {
            return false;
        }
        if (obj.TryGetPropertyValue(s.Value, out var node))
        {
            value = CelJson.From(node, FieldType(Checking.FieldNames.Escape(s.Value) ?? s.Value));
            return true;
        }
        if (type is { IsObject: true } && s.Value.Contains("__", StringComparison.Ordinal)
            && obj.TryGetPropertyValue(Checking.FieldNames.Unescape(s.Value), out node))
        {
            value = CelJson.From(node, FieldType(s.Value));
            return true;
        }
        return false;
    }

    private CelType? FieldType(string field) => type switch
    {
        { IsObject: true } => type.Fields!.GetValueOrDefault(field),
        { Name: "map", Parameters.Count: 2 } => type.Parameters[1],
        _ => null,
    };
}

/// <summary>Map-key equality: 1, 1u and 1.0 are the same key (CEL's heterogeneous equality).</summary>
internal sealed class CelKeyComparer : IEqualityComparer<CelValue>
{
    public static readonly CelKeyComparer Instance = new();

    public bool Equals(CelValue? x, CelValue? y) => x is not null && y is not null && CelEquality.Equal(x, y) is CelBool { Value: true };

    public int GetHashCode(CelValue obj) => obj switch
    {
        CelInt i => i.Value.GetHashCode(),
        CelUint u => u.Value <= long.MaxValue ? ((long)u.Value).GetHashCode() : u.Value.GetHashCode(),
        CelDouble d when d.Value == Math.Floor(d.Value) && d.Value >= long.MinValue && d.Value < 9.2233720368547758E18 => ((long)d.Value).GetHashCode(),
        CelDouble d when d.Value == Math.Floor(d.Value) && d.Value >= 0 && d.Value < 1.8446744073709552E19 => ((ulong)d.Value).GetHashCode(),
        CelDouble d => d.Value.GetHashCode(),
        CelString s => s.Value.GetHashCode(StringComparison.Ordinal),
        CelBool b => b.Value.GetHashCode(),
        _ => obj.Type.GetHashCode(),
    };
}
