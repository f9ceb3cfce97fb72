using System.Reflection;
using System.Text.RegularExpressions;
using k8s.Models;
using Timonel.Registry.Resources;

namespace Timonel.Registry.OpenApi;

/// <summary>
/// Maps KubernetesClient model types to upstream OpenAPI definition names
/// ("io.k8s.api.core.v1.Pod"). The client's class names drop the Go package, so the package is
/// recovered from the group of the kinds that reach a type: apimachinery types from a fixed table,
/// then everything reachable from core kinds, then from each other served kind in catalog order.
/// </summary>
internal sealed partial class ModelNames
{
    private const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";

    // Types that live in apimachinery, not in the API group of the kind that uses them.
    private static readonly Type[] MetaTypes =
    [
        typeof(V1ObjectMeta), typeof(V1ListMeta), typeof(V1LabelSelector), typeof(V1LabelSelectorRequirement),
        typeof(V1OwnerReference), typeof(V1ManagedFieldsEntry), typeof(V1Condition), typeof(V1DeleteOptions),
        typeof(V1Preconditions), typeof(V1Status), typeof(V1StatusDetails), typeof(V1StatusCause), typeof(V1WatchEvent),
        typeof(V1APIResource), typeof(V1APIResourceList), typeof(V1APIGroup), typeof(V1APIGroupList), typeof(V1APIVersions),
        typeof(V1GroupVersionForDiscovery), typeof(V1ServerAddressByClientCIDR),
    ];

    // Core types that no core kind reaches, so the walk would file them under the kind that uses them.
    private static readonly (Type Type, string Group)[] Pinned =
    [
        (typeof(V1TopologySelectorTerm), ""), (typeof(V1TopologySelectorLabelRequirement), ""),
        (typeof(V1Scale), "autoscaling"), (typeof(V1ScaleSpec), "autoscaling"), (typeof(V1ScaleStatus), "autoscaling"),
        (typeof(V1Eviction), "policy"), (typeof(V1Binding), ""),
    ];

    private static readonly Type[] ExtraCoreKinds = [typeof(V1PodTemplate), typeof(V1ReplicationController), typeof(V1Binding)];

    private readonly Dictionary<Type, string> _names = new();

    public ModelNames(ResourceCatalog catalog)
    {
        foreach (var t in MetaTypes)
        {
            _names[t] = $"{MetaPackage}.{StripVersion(t.Name).Kind}";
        }

        foreach (var (type, group) in Pinned)
        {
            Assign(type, group);
        }

        // Core kinds outside the catalog that own types other groups use (PodTemplateSpec).
        foreach (var t in ExtraCoreKinds)
        {
            Walk(t, "");
        }

        // Custom resources have no model types of their own: their schemas come from their CRDs.
        foreach (var r in catalog.All.Where(r => r.Group.Length == 0 && r.Definition.Custom is null))
        {
            Walk(r.ModelType, "");
        }

        foreach (var r in catalog.All.Where(r => r.Definition.Custom is null))
        {
            Walk(r.ModelType, r.Group);
            if (ListTypeOf(r.ModelType) is { } list)
            {
                Walk(list, r.Group);
            }
        }
    }

    /// <summary>The definition name of a model type ("io.k8s.api.apps.v1.Deployment").</summary>
    public string NameOf(Type modelType)
    {
        if (_names.TryGetValue(modelType, out var name))
        {
            return name;
        }

        var (prefixGroup, _, _) = SplitGroupPrefix(modelType.Name);
        Assign(modelType, prefixGroup ?? "");
        return _names[modelType];
    }

    /// <summary>The list type of a kind (V1PodList for V1Pod), when the client has one.</summary>
    public static Type? ListTypeOf(Type modelType) => modelType.Assembly.GetType(modelType.FullName + "List");

    /// <summary>Whether a CLR type is a model object (a class of k8s.Models with properties).</summary>
    public static bool IsModel(Type t) => t.IsClass && t.Namespace == "k8s.Models" && t != typeof(ResourceQuantity);

    private void Walk(Type root, string group)
    {
        var pending = new Stack<Type>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            if (_names.ContainsKey(t))
            {
                continue;
            }

            Assign(t, group);
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                foreach (var inner in ModelTypesIn(p.PropertyType))
                {
                    pending.Push(inner);
                }
            }
        }
    }

    private void Assign(Type t, string group)
    {
        var (prefixGroup, prefixVersion, rest) = SplitGroupPrefix(t.Name);
        string version, kind;
        if (prefixGroup is not null)
        {
            group = prefixGroup;
            version = prefixVersion!;
            kind = rest;
        }
        else
        {
            (version, kind) = StripVersion(t.Name);
        }

        var package = group.Length == 0 ? "core" : group.Split('.')[0];
        _names[t] = $"io.k8s.api.{package}.{version}.{kind}";
    }

    /// <summary>The model types a property type mentions (element of lists, value of maps, itself).</summary>
    internal static IEnumerable<Type> ModelTypesIn(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t.IsGenericType)
        {
            foreach (var arg in t.GetGenericArguments())
            {
                foreach (var inner in ModelTypesIn(arg))
                {
                    yield return inner;
                }
            }
        }
        else if (t.IsArray)
        {
            foreach (var inner in ModelTypesIn(t.GetElementType()!))
            {
                yield return inner;
            }
        }
        else if (IsModel(t) && !t.Name.Contains("IntOrString", StringComparison.Ordinal))
        {
            yield return t;
        }
    }

    // "Corev1Event" -> ("", "v1", "Event"); "Eventsv1Event" -> ("events.k8s.io", "v1", "Event").
    private static (string? Group, string? Version, string Name) SplitGroupPrefix(string name)
    {
        var m = GroupPrefix().Match(name);
        if (!m.Success)
        {
            return (null, null, name);
        }

        var package = m.Groups[1].Value.ToLowerInvariant();
        var group = package switch
        {
            "core" => "",
            "rbac" => "rbac.authorization.k8s.io",
            "apps" or "batch" or "policy" or "autoscaling" => package,
            _ => package + ".k8s.io",
        };
        return (group, m.Groups[2].Value, m.Groups[3].Value);
    }

    private static (string Version, string Kind) StripVersion(string name)
    {
        var m = VersionPrefix().Match(name);
        return m.Success ? (m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Value) : ("v1", name);
    }

    [GeneratedRegex("^([A-Z][a-z]+)(v[0-9]+(?:alpha[0-9]+|beta[0-9]+)?)([A-Z].*)$")]
    private static partial Regex GroupPrefix();

    [GeneratedRegex("^(V[0-9]+(?:alpha[0-9]+|beta[0-9]+)?)([A-Z].*)$")]
    private static partial Regex VersionPrefix();
}
