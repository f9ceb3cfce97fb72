using System.Text.Json.Nodes;
using Timonel.Api.Resources;

namespace Timonel.Api.Selectors;

/// <summary>The selectable fields of an object, per kind, as upstream's GetAttrs / field label conversion define them.</summary>
public static class ObjectFields
{
    /// <summary>Field paths a field selector may name for this resource.</summary>
    public static IReadOnlySet<string> Supported(ApiResource resource) => new HashSet<string> { "metadata.name", "metadata.namespace" };

    /// <summary>The values of the supported fields of one object.</summary>
    public static IReadOnlyDictionary<string, string> Get(ApiResource resource, JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject;
        return new Dictionary<string, string>
        {
            ["metadata.name"] = meta?["name"]?.GetValue<string>() ?? "",
            ["metadata.namespace"] = meta?["namespace"]?.GetValue<string>() ?? "",
        };
    }
}
