using System.Text.Json.Nodes;

namespace Timonel.Cel.Values;

/// <summary>
/// A CEL value. Errors and unknowns are values too (CEL propagates them through expressions and
/// absorbs them in `&&`, `||` and `?:`), so evaluation never throws for a bad input.
/// </summary>
public abstract class CelValue
{
    public abstract CelType Type { get; }

    public bool IsError => this is CelError;

    /// <summary>Wraps a .NET value: CEL values pass through, JSON nodes are wrapped (not copied), primitives converted.</summary>
    public static CelValue From(object? value) => value switch
    {
        null => CelNull.Instance,
        CelValue v => v,
        JsonNode n => CelJson.From(n),
        bool b => CelBool.Of(b),
        long l => new CelInt(l),
        int i => new CelInt(i),
        ulong u => new CelUint(u),
        uint u => new CelUint(u),
        double d => new CelDouble(d),
        float f => new CelDouble(f),
        string s => new CelString(s),
        byte[] bytes => new CelBytes(bytes),
        TimeSpan t => CelDuration.FromTimeSpan(t),
        DateTimeOffset d => CelTimestamp.FromDateTimeOffset(d),
        DateTime d => CelTimestamp.FromDateTimeOffset(new DateTimeOffset(d.ToUniversalTime(), TimeSpan.Zero)),
        System.Collections.IDictionary dict => CelMapValue.FromDictionary(dict),
        System.Collections.IEnumerable e => new CelArrayList(e.Cast<object?>().Select(From).ToArray()),
        _ => new CelError($"unsupported value type {value.GetType().Name}"),
    };
}

public sealed class CelNull : CelValue
{
    public static readonly CelNull Instance = new();

    private CelNull()
    {
    }

    public override CelType Type => CelType.Null;

    public override string ToString() => "null";
}

public sealed class CelBool : CelValue
{
    public static readonly CelBool True = new(true);
    public static readonly CelBool False = new(false);

    private CelBool(bool value) => Value = value;

    public bool Value { get; }

    public override CelType Type => CelType.Bool;

    public static CelBool Of(bool value) => value ? True : False;

    public override string ToString() => Value ? "true" : "false";
}

public sealed class CelInt(long value) : CelValue
{
    public long Value { get; } = value;

    public override CelType Type => CelType.Int;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class CelUint(ulong value) : CelValue
{
    public ulong Value { get; } = value;

    public override CelType Type => CelType.Uint;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture) + "u";
}

public sealed class CelDouble(double value) : CelValue
{
    public double Value { get; } = value;

    public override CelType Type => CelType.Double;

    public override string ToString() => Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class CelString(string value) : CelValue
{
    public string Value { get; } = value;

    public override CelType Type => CelType.String;

    public override string ToString() => Value;
}

public sealed class CelBytes(byte[] value) : CelValue
{
    public byte[] Value { get; } = value;

    public override CelType Type => CelType.Bytes;

    public override string ToString() => "b\"" + Convert.ToHexString(Value) + "\"";
}

/// <summary>A type as a value: `type(1)` is `int`, `type(int)` is `type`.</summary>
public sealed class CelTypeValue(CelType value) : CelValue
{
    public CelType Value { get; } = value;

    public override CelType Type => CelType.Type;

    public override string ToString() => Value.Name;
}

/// <summary>An evaluation error as a value; the message is worded as cel-go words it.</summary>
public sealed class CelError(string message) : CelValue
{
    public string Message { get; } = message;

    public override CelType Type => CelType.Error;

    public override string ToString() => Message;

    /// <summary>Set on "undeclared reference" errors, so that `a.b.c` can then be tried as a qualified name.</summary>
    internal bool IsUndeclaredReference { get; init; }

    internal static CelError NoOverload(string function) => new($"no such overload: {function}");
}

/// <summary>A value that partial evaluation could not know (an attribute left out of the activation).</summary>
public sealed class CelUnknown(IReadOnlyList<string> attributes) : CelValue
{
    public IReadOnlyList<string> Attributes { get; } = attributes;

    public override CelType Type => CelType.Unknown;

    public static CelUnknown Merge(CelUnknown a, CelUnknown b) => new([.. a.Attributes.Union(b.Attributes)]);

    public override string ToString() => "unknown(" + string.Join(", ", Attributes) + ")";
}
