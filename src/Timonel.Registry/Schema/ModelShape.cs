using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Timonel.Registry.Schema;

/// <summary>
/// The JSON shape of a KubernetesClient model type, read once by reflection: which properties
/// it has and what each holds. Scalars (strings, numbers, IntOrString, quantities, times) have
/// no properties.
/// </summary>
public sealed class ModelShape
{
    private static readonly ConcurrentDictionary<Type, ModelShape> Cache = new();

    private ModelShape(Type type, IReadOnlyDictionary<string, Type> properties)
    {
        Type = type;
        Properties = properties;
        (Element, IsMap) = FindContainer(type);
    }

    /// <summary>What <see cref="Container"/> answers for this type, found once.</summary>
    public Type? Element { get; }

    /// <summary>True when <see cref="Element"/> is a map's value type rather than a list's element type.</summary>
    public bool IsMap { get; }

    public Type Type { get; }

    /// <summary>JSON property name → declared property type.</summary>
    public IReadOnlyDictionary<string, Type> Properties { get; }

    /// <summary>True for types whose JSON is an object with known properties.</summary>
    public bool IsObject => Properties.Count > 0;

    public static ModelShape Of(Type type) => Cache.GetOrAdd(type, Build);

    /// <summary>For IList&lt;T&gt; the element type, for IDictionary&lt;string,T&gt; the value type; else null.</summary>
    public static (Type? Element, bool IsMap) Container(Type type)
    {
        var shape = Of(Nullable.GetUnderlyingType(type) ?? type);
        return (shape.Element, shape.IsMap);
    }

    private static (Type? Element, bool IsMap) FindContainer(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(byte[]))
        {
            return (null, false);
        }

        foreach (var i in type.IsInterface ? type.GetInterfaces().Append(type) : type.GetInterfaces())
        {
            if (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>))
            {
                return (i.GetGenericArguments()[1], true);
            }
        }

        foreach (var i in type.IsInterface ? type.GetInterfaces().Append(type) : type.GetInterfaces())
        {
            if (i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return (i.GetGenericArguments()[0], false);
            }
        }

        return (null, false);
    }

    private static ModelShape Build(Type type)
    {
        var props = new Dictionary<string, Type>(StringComparer.Ordinal);
        if (type.Namespace == "k8s.Models" && type.GetCustomAttribute<JsonConverterAttribute>() is null && type.IsClass)
        {
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (p.GetCustomAttribute<JsonPropertyNameAttribute>() is { } attr)
                {
                    props[attr.Name] = p.PropertyType;
                }
            }
        }

        return new ModelShape(type, props);
    }
}
