namespace Timonel.Api.Patch;

/// <summary>How strategic merge patch treats one list (or map) field: upstream's patchStrategy / patchMergeKey tags.</summary>
/// <param name="MergeKey">The key that identifies list items ("name", "containerPort"), or null for primitive lists.</param>
/// <param name="Strategy">"merge", "retainKeys" or "merge,retainKeys".</param>
public sealed record PatchStrategy(string? MergeKey, string Strategy);

/// <summary>
/// The strategic-merge metadata of the model types (the patch helper fills the table; OpenAPI
/// publishes it as x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy).
/// </summary>
public static class PatchMetadata
{
    /// <summary>The strategy of <paramref name="jsonProperty"/> on <paramref name="modelType"/> (e.g. V1PodSpec, "containers"), or null for replace.</summary>
    public static PatchStrategy? For(Type modelType, string jsonProperty) => null;
}
