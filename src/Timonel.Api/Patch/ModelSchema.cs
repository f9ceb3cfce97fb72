using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Timonel.Api.Patch;

/// <summary>
/// Walks the KubernetesClient model types by JSON member name, so that strategic merge knows
/// which model type a nested object or list item is (and so which patch tags apply to it).
/// A type is a model (members by [JsonPropertyName]), a list (IList&lt;T&gt;: items are T) or a
/// map (IDictionary&lt;string, T&gt;: values are T); anything else is a scalar.
/// </summary>
internal static class ModelSchema
{
    /// <summary>
    /// Members of every model reachable from KubernetesClient's resource models (the types it marks
    /// [KubernetesEntity]; the registry's catalog is not ours to reach from here). Built once, on first
    /// use, by a thread-safe Lazy; read-only afterwards. Other types are reflected on each call.
    /// </summary>
    private static readonly Lazy<FrozenDictionary<Type, FrozenDictionary<string, Type>>> Catalog =
        new(() => Build(typeof(V1Pod).Assembly.GetExportedTypes().Where(t => t.IsDefined(typeof(KubernetesEntityAttribute), inherit: false))), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The type of member <paramref name="jsonName"/> of a model, or of any value of a map; null when unknown.</summary>
    public static Type? Member(Type? type, string jsonName)
    {
        if (type is null)
        {
            return null;
        }

        if (MapValueType(type) is { } value)
        {
            return value;
        }

        var members = Catalog.Value.TryGetValue(type, out var known) ? known : Reflect(type);
        return members.TryGetValue(jsonName, out var member) ? member : null;
    }

    /// <summary>The item type of a list type, or null when <paramref name="type"/> is not a list.</summary>
    public static Type? ItemType(Type? type)
    {
        if (type is null || type == typeof(string) || MapValueType(type) is not null)
        {
            return null;
        }

        return GenericArgumentOf(type, typeof(IEnumerable<>));
    }

    /// <summary>True for IDictionary&lt;string, T&gt; types.</summary>
    public static bool IsMap(Type type) => MapValueType(type) is not null;

    /// <summary>True when the type has JSON members (a model rather than a scalar written by a converter).</summary>
    public static bool HasMembers(Type type) => (Catalog.Value.TryGetValue(type, out var known) ? known : Reflect(type)).Count > 0;

    internal static FrozenDictionary<Type, FrozenDictionary<string, Type>> Build(IEnumerable<Type> roots)
    {
        var result = new Dictionary<Type, FrozenDictionary<string, Type>>();
        var pending = new Queue<Type>(roots);
        while (pending.TryDequeue(out var type))
        {
            if (result.ContainsKey(type) || !IsModel(type))
            {
                continue;
            }

            var members = Reflect(type);
            result[type] = members;
            foreach (var member in members.Values)
            {
                pending.Enqueue(ItemType(member) ?? MapValueType(member) ?? member);
            }
        }

        return result.ToFrozenDictionary();
    }

    private static FrozenDictionary<string, Type> Reflect(Type type)
    {
        var members = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is { } name)
            {
                members[name.Name] = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            }
        }

        return members.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static bool IsModel(Type type) =>
        type.IsClass && type != typeof(string) && !type.IsArray && ItemType(type) is null && MapValueType(type) is null;

    private static Type? MapValueType(Type type)
    {
        var pair = GenericArgumentsOf(type, typeof(IDictionary<,>));
        return pair is [var key, var value] && key == typeof(string) ? value : null;
    }

    private static Type? GenericArgumentOf(Type type, Type openInterface) =>
        GenericArgumentsOf(type, openInterface) is [var only] ? only : null;

    private static Type[]? GenericArgumentsOf(Type type, Type openInterface)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == openInterface)
        {
            return type.GetGenericArguments();
        }

        var match = type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == openInterface);
        return match?.GetGenericArguments();
    }
}
