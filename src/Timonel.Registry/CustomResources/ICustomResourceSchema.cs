using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// What a CRD version's openAPIV3Schema does to its objects on write: pruning of unknown
/// fields, defaulting and validation (structural schema, formats, CEL rules). The custom
/// resource strategy calls it; <see cref="PreservingSchema"/> keeps everything until the
/// structural-schema step plugs its own implementation in here.
/// </summary>
public interface ICustomResourceSchema
{
    /// <summary>Removes fields the schema does not know (never apiVersion, kind, metadata); returns their paths.</summary>
    IReadOnlyList<string> Prune(JsonObject obj);

    /// <summary>Fills schema defaults in place.</summary>
    void ApplyDefaults(JsonObject obj);

    /// <summary>Schema and rule violations of <paramref name="obj"/> (<paramref name="old"/> for transition rules on update).</summary>
    IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? old);
}

/// <summary>Keeps every field, defaults nothing, accepts everything (x-kubernetes-preserve-unknown-fields at the root).</summary>
public sealed class PreservingSchema : ICustomResourceSchema
{
    public static PreservingSchema Instance { get; } = new();

    public IReadOnlyList<string> Prune(JsonObject obj) => [];

    public void ApplyDefaults(JsonObject obj)
    {
    }

    public IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? old) => [];
}
