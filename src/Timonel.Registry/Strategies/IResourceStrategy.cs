using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Registry.Strategies;

/// <summary>
/// A resource's behaviour on write, upstream's registry strategy: stateless, working on the
/// object as JSON (the server adds uid, timestamps, resourceVersion and generation itself).
/// Order on create: PrepareForCreate, ApplyDefaults, ValidateCreate. On update: PrepareForUpdate
/// (or PrepareForStatusUpdate for /status), ApplyDefaults, ValidateUpdate.
/// Validation returns every failure found (an empty list means valid); it never throws.
/// </summary>
public interface IResourceStrategy
{
    /// <summary>Clears what a client may not set on create (for most kinds: status).</summary>
    void PrepareForCreate(JsonObject obj);

    /// <summary>Update of the main resource: carries the old status over unchanged.</summary>
    void PrepareForUpdate(JsonObject obj, JsonObject old);

    /// <summary>Update through /status: keeps everything but status (and metadata) from the old object.</summary>
    void PrepareForStatusUpdate(JsonObject obj, JsonObject old);

    /// <summary>Fills defaulted fields in place, as upstream's defaulting functions do.</summary>
    void ApplyDefaults(JsonObject obj);

    /// <summary>Validates a new object (metadata included).</summary>
    IReadOnlyList<FieldError> ValidateCreate(JsonObject obj);

    /// <summary>Validates an update: the new object, plus immutable fields against the old one.</summary>
    IReadOnlyList<FieldError> ValidateUpdate(JsonObject obj, JsonObject old);
}
