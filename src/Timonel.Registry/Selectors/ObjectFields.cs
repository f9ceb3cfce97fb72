using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Registry.Resources;

namespace Timonel.Registry.Selectors;

/// <summary>
/// The selectable fields of an object, per resource, as kube-apiserver defines them (see
/// <see cref="SelectableFieldTable"/>). Use <see cref="Validate"/> before listing, then
/// <c>selector.Matches(ObjectFields.Get(resource, obj))</c> per object.
/// </summary>
public static class ObjectFields
{
    /// <summary>Field paths a field selector may name for this resource.</summary>
    public static IReadOnlySet<string> Supported(ApiResource resource) => For(resource).Names;

    /// <summary>The values of every supported field of one object; missing fields read as Go zero values ("", "0", "false").</summary>
    public static IReadOnlyDictionary<string, string> Get(ApiResource resource, JsonObject obj) => For(resource).Read(obj);

    /// <summary>Upstream's error text for a field this resource does not support.</summary>
    public static string UnsupportedMessage(ApiResource resource, string field) => For(resource).UnsupportedMessage(field);

    /// <summary>
    /// Throws ApiException 400 with upstream's message (e.g. "field label not supported: spec.foo", or
    /// "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
    /// for the first term naming a field the resource does not support.
    /// </summary>
    public static void Validate(ApiResource resource, FieldSelector selector)
    {
        var fields = For(resource);
        foreach (var requirement in selector.Requirements)
        {
            if (!fields.Names.Contains(requirement.Field))
            {
                throw ApiException.BadRequest(fields.UnsupportedMessage(requirement.Field));
            }
        }
    }

    private static SelectableFields For(ApiResource resource) =>
        resource.Definition.Versions.FirstOrDefault(v => v.Name == resource.Version)?.Fields ?? resource.Definition.Fields;
}
