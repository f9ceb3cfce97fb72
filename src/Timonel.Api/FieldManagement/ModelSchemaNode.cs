using System.Collections.Frozen;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;

namespace Timonel.Api.FieldManagement;

/// <summary>
/// The apply schema of a built-in type, read from its KubernetesClient model: structs by their
/// members, maps by IDictionary, lists by the same tags strategic merge uses (a merge key makes a
/// list-map, merge without a key a set, anything else atomic), plus the list-map keys and atomic
/// structs upstream's 1.33 OpenAPI declares beyond those tags.
/// </summary>
public sealed class ModelSchemaNode : SchemaNode
{
    /// <summary>+listType=map lists whose +listMapKey differs from their patchMergeKey (upstream 1.33).</summary>
    private static readonly FrozenDictionary<(Type Model, string Property), string[]> ListMapKeys = new (Type, string, string[])[]
    {
        (typeof(V1Container), "ports", ["containerPort", "protocol"]),
        (typeof(V1EphemeralContainer), "ports", ["containerPort", "protocol"]),
        (typeof(V1ServiceSpec), "ports", ["port", "protocol"]),
        (typeof(V1PodSpec), "topologySpreadConstraints", ["topologyKey", "whenUnsatisfiable"]),
    }.ToFrozenDictionary(e => (e.Item1, e.Item2), e => e.Item3);

    /// <summary>Types marked +structType=atomic upstream: owned and replaced whole.</summary>
    private static readonly FrozenSet<Type> AtomicStructs = new[]
    {
        typeof(V1LabelSelector), typeof(V1LocalObjectReference), typeof(V1ConfigMapKeySelector), typeof(V1SecretKeySelector),
        typeof(V1ObjectFieldSelector), typeof(V1ResourceFieldSelector), typeof(V1NodeSelector), typeof(V1NodeSelectorTerm),
        typeof(V1TypedLocalObjectReference), typeof(V1ObjectReference), typeof(V1TopologySelectorTerm),
    }.ToFrozenSet();

    private readonly Type _type;
    private readonly SchemaKind _kind;
    private readonly Type? _owner;
    private readonly string? _property;

    private ModelSchemaNode(Type type, Type? owner, string? property)
    {
        _type = type;
        _owner = owner;
        _property = property;
        _kind = KindOf(type);
    }

    /// <summary>
    /// The schema of a resource's model (e.g. V1Deployment). A model without members (a resource
    /// served without a typed model, such as a custom resource) gets the deduced schema: objects
    /// merge key by key and lists are atomic, so an apply never replaces the whole object.
    /// </summary>
    public static SchemaNode For(Type modelType) =>
        KindOf(modelType) == SchemaKind.Struct ? new ModelSchemaNode(modelType, null, null) : Untyped.For(new System.Text.Json.Nodes.JsonObject());

    public override SchemaKind Kind => _kind;

    public override bool Atomic => _kind == SchemaKind.Struct && AtomicStructs.Contains(_type);

    public override ListType ListType
    {
        get
        {
            if (_kind != SchemaKind.List || _owner is null || _property is null)
            {
                return ListType.Atomic;
            }

            if (ListMapKeys.ContainsKey((_owner, _property)))
            {
                return ListType.Map;
            }

            return PatchMetadata.For(_owner, _property) switch
            {
                { Merges: true, MergeKey: not null } => ListType.Map,
                { Merges: true } => ListType.Set,
                _ => ListType.Atomic,
            };
        }
    }

    public override IReadOnlyList<string> ListKeys =>
        _owner is null || _property is null ? []
        : ListMapKeys.TryGetValue((_owner, _property), out var keys) ? keys
        : PatchMetadata.For(_owner, _property)?.MergeKey is { } key ? [key] : [];

    public override JsonNode? KeyDefault(string key) => key == "protocol" ? "TCP" : null;

    public override bool Declares(string name) => _kind == SchemaKind.Struct && ModelSchema.Member(_type, name) is not null;

    public override SchemaNode? Child(string name) =>
        _kind is SchemaKind.Struct or SchemaKind.Map && ModelSchema.Member(_type, name) is { } member && member != typeof(object)
            ? new ModelSchemaNode(member, _kind == SchemaKind.Struct ? _type : null, name)
            : null;

    public override SchemaNode? Items =>
        _kind == SchemaKind.List && ModelSchema.ItemType(_type) is { } item && item != typeof(object) ? new ModelSchemaNode(item, null, null) : null;

    private static SchemaKind KindOf(Type type)
    {
        if (type == typeof(string) || type.IsPrimitive || type.IsValueType || type == typeof(byte[]))
        {
            return SchemaKind.Scalar;
        }

        if (ModelSchema.IsMap(type))
        {
            return SchemaKind.Map;
        }

        if (ModelSchema.ItemType(type) is not null)
        {
            return SchemaKind.List;
        }

        // A class without JSON members (IntOrString, ResourceQuantity) is written as a scalar.
        return ModelSchema.HasMembers(type) ? SchemaKind.Struct : SchemaKind.Scalar;
    }
}
