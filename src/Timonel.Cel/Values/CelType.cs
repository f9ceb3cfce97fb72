namespace Timonel.Cel.Values;

/// <summary>
/// A CEL type. Runtime type values carry only the name (`type([1]) == list`); the parameters are
/// there for declarations (`list(string)`, `map(string, int)`), which the checker will use.
/// </summary>
public sealed class CelType : IEquatable<CelType>
{
    public static readonly CelType Int = new("int");
    public static readonly CelType Uint = new("uint");
    public static readonly CelType Double = new("double");
    public static readonly CelType Bool = new("bool");
    public static readonly CelType String = new("string");
    public static readonly CelType Bytes = new("bytes");
    public static readonly CelType Null = new("null_type");
    public static readonly CelType List = new("list");
    public static readonly CelType Map = new("map");
    public static readonly CelType Type = new("type");
    public static readonly CelType Timestamp = new("google.protobuf.Timestamp");
    public static readonly CelType Duration = new("google.protobuf.Duration");
    public static readonly CelType Dyn = new("dyn");
    public static readonly CelType Error = new("*error*");
    public static readonly CelType Unknown = new("*unknown*");

    public CelType(string name, params CelType[] parameters)
    {
        Name = name;
        Parameters = parameters;
    }

    public string Name { get; }

    /// <summary>The declared fields of an object type (from an OpenAPI schema); null for every other type.</summary>
    public IReadOnlyDictionary<string, CelType>? Fields { get; private init; }

    public bool IsObject => Fields is not null;

    /// <summary>A type parameter of an overload signature (`A` in `list(A)`); only the checker makes these.</summary>
    internal bool IsParameter { get; private init; }

    public static CelType ObjectOf(string name, IReadOnlyDictionary<string, CelType> fields) => new(name) { Fields = fields };

    internal static CelType Parameter(string name) => new(name) { IsParameter = true };

    public IReadOnlyList<CelType> Parameters { get; }

    public static CelType ListOf(CelType element) => new("list", element);

    public static CelType MapOf(CelType key, CelType value) => new("map", key, value);

    /// <summary>The types that are also identifiers in expressions (`int`, `type(x) == list`).</summary>
    internal static readonly IReadOnlyDictionary<string, CelType> Named = new Dictionary<string, CelType>
    {
        ["int"] = Int, ["uint"] = Uint, ["double"] = Double, ["bool"] = Bool, ["string"] = String,
        ["bytes"] = Bytes, ["null_type"] = Null, ["list"] = List, ["map"] = Map, ["type"] = Type,
        ["google.protobuf.Timestamp"] = Timestamp, ["google.protobuf.Duration"] = Duration,
    };

    public bool Equals(CelType? other) => other is not null && other.Name == Name && other.IsParameter == IsParameter;

    public override bool Equals(object? obj) => Equals(obj as CelType);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Parameters.Count == 0 ? Name : $"{Name}({string.Join(", ", Parameters)})";
}
