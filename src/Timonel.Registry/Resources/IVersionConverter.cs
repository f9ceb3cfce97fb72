using System.Text.Json.Nodes;

namespace Timonel.Registry.Resources;

/// <summary>
/// Converts an object of a resource between its versions (upstream's conversion functions, or a
/// custom resource's conversion strategy). Objects are stored in the definition's storage
/// version; a request in another version has its body converted to storage and its answers
/// converted back, so every version is a view of one stored object.
/// </summary>
public interface IVersionConverter
{
    /// <summary>
    /// <paramref name="obj"/> (in <paramref name="fromVersion"/>) as it reads in
    /// <paramref name="toVersion"/>, apiVersion included. Returns a new object and leaves
    /// <paramref name="obj"/> as it is (callers pass shared, read-only objects).
    /// </summary>
    JsonObject Convert(JsonObject obj, string fromVersion, string toVersion);
}

/// <summary>For versions that share one schema: only apiVersion changes (upstream's "None" conversion strategy of custom resources).</summary>
public sealed class IdentityConverter : IVersionConverter
{
    public static IdentityConverter Instance { get; } = new();

    public JsonObject Convert(JsonObject obj, string fromVersion, string toVersion)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var copy = (JsonObject)obj.DeepClone();
        if (copy["apiVersion"] is JsonValue value && value.TryGetValue<string>(out var apiVersion))
        {
            var slash = apiVersion.LastIndexOf('/');
            copy["apiVersion"] = slash < 0 ? toVersion : apiVersion[..(slash + 1)] + toVersion;
        }

        return copy;
    }
}

/// <summary>
/// A converter that has to ask someone else (a custom resource's conversion webhook), so it
/// converts asynchronously and in batches; its <see cref="IVersionConverter.Convert"/> is never
/// called (request paths use <see cref="ApiResource.FromStorageAsync(JsonObject, CancellationToken)"/>
/// and <see cref="ApiResource.ToStorageAsync"/> for every resource whose definition has one).
/// </summary>
public interface IRemoteVersionConverter : IVersionConverter
{
    /// <summary>
    /// Each of <paramref name="objects"/> as <paramref name="toVersion"/> reads it, in order.
    /// Objects already in <paramref name="toVersion"/> come back as they are. Failures are
    /// ApiExceptions with upstream's "conversion webhook for ... failed: ..." text.
    /// </summary>
    Task<IReadOnlyList<JsonObject>> ConvertAsync(IReadOnlyList<JsonObject> objects, string toVersion, CancellationToken cancellationToken);
}
