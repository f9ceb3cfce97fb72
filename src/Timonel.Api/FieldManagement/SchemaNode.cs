using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.FieldManagement;

/// <summary>What a value at some path is, for server-side apply (upstream's smd schema).</summary>
public enum SchemaKind
{
    Scalar,

    /// <summary>An object with declared fields (a model type).</summary>
    Struct,

    /// <summary>An object whose keys are data (labels, a CRD's additionalProperties).</summary>
    Map,
    List,
}

/// <summary>How a list merges: x-kubernetes-list-type.</summary>
public enum ListType
{
    Atomic,
    Set,
    Map,
}

/// <summary>
/// The schema of one position in an object, as apply needs it: kind, atomicity, list type and
/// list-map keys, and the schema of children. Built-in types provide it from their models
/// (<see cref="ModelSchemaNode"/>); custom resources can provide it from their structural schema.
/// </summary>
public abstract class SchemaNode
{
    public abstract SchemaKind Kind { get; }

    /// <summary>x-kubernetes-map-type: atomic (maps) or structType=atomic (structs): replaced and owned whole.</summary>
    public virtual bool Atomic => false;

    public virtual ListType ListType => ListType.Atomic;

    /// <summary>x-kubernetes-list-map-keys for <see cref="ListType.Map"/> lists.</summary>
    public virtual IReadOnlyList<string> ListKeys => [];

    /// <summary>The default of a list-map key field an item may omit (a port's protocol is "TCP"), or null.</summary>
    public virtual JsonNode? KeyDefault(string key) => null;

    /// <summary>The schema of a struct's field or a map's values; null for an undeclared struct field.</summary>
    public virtual SchemaNode? Child(string name) => null;

    /// <summary>True when <paramref name="name"/> is a declared struct field (not a map key).</summary>
    public virtual bool Declares(string name) => false;

    public virtual SchemaNode? Items => null;

    /// <summary>
    /// The schema to use for <paramref name="value"/>: this one, or for an untyped position one
    /// deduced from the value (objects are granular maps, lists atomic), as upstream's deduced type.
    /// </summary>
    public static SchemaNode Resolve(SchemaNode? schema, JsonNode? value) => schema ?? Untyped.For(value);

    /// <summary>The schema of an unknown position: deduced from its value.</summary>
    public sealed class Untyped : SchemaNode
    {
        private static readonly Untyped ScalarNode = new(SchemaKind.Scalar);
        private static readonly Untyped MapNode = new(SchemaKind.Map);
        private static readonly Untyped ListNode = new(SchemaKind.List);

        private Untyped(SchemaKind kind) => Kind = kind;

        public override SchemaKind Kind { get; }

        public override SchemaNode? Child(string name) => null;

        public static Untyped For(JsonNode? value) => value switch
        {
            JsonObject => MapNode,
            JsonArray => ListNode,
            _ => ScalarNode,
        };
    }

    /// <summary>The path element of one item of a granular list, or null when the item cannot be named (a missing key).</summary>
    public string? ItemElement(JsonNode? item, out string? problem)
    {
        problem = null;
        if (ListType == ListType.Set)
        {
            return item is JsonObject or JsonArray ? null : FieldPath.Value(item);
        }

        if (item is not JsonObject obj)
        {
            problem = "associative list with keys has an element that is not a map";
            return null;
        }

        var keys = new List<KeyValuePair<string, JsonNode?>>();
        foreach (var key in ListKeys)
        {
            var value = obj[key] ?? KeyDefault(key);
            if (value is null || value.GetValueKind() is JsonValueKind.Object or JsonValueKind.Array)
            {
                problem = $"associative list with keys has an element that omits key field \"{key}\" (and doesn't have default value)";
                return null;
            }

            keys.Add(KeyValuePair.Create(key, (JsonNode?)value));
        }

        return FieldPath.Key(keys);
    }
}
