using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// Upstream's custom resource strategy: with a status subresource, the main resource never
/// writes status and /status writes nothing else (metadata included); every change outside
/// metadata is a new generation. Schema pruning, defaulting and validation are the version's
/// <see cref="ICustomResourceSchema"/>'s: each served version has its own strategy, applied to
/// requests in that version before they are converted for storage (as upstream's per-version handlers).
/// </summary>
public sealed class CustomResourceStrategy(bool namespaced, bool hasStatus, ICustomResourceSchema schema, ScalePaths? scale) : IResourceStrategy, IGenerationPolicy
{
    public ICustomResourceSchema Schema => schema;

    public bool TracksGeneration => true;

    public void PrepareForCreate(JsonObject obj)
    {
        if (hasStatus)
        {
            obj.Remove("status");
        }
    }

    public void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        if (!hasStatus)
        {
            return;
        }

        if (old["status"] is { } status)
        {
            obj["status"] = status.DeepClone();
        }
        else
        {
            obj.Remove("status");
        }
    }

    public void PrepareForStatusUpdate(JsonObject obj, JsonObject old)
    {
        // Everything but status comes from the stored object, metadata too (as upstream's status strategy).
        var status = obj["status"]?.DeepClone();
        var hadStatus = obj.ContainsKey("status");
        var resourceVersion = obj.Obj("metadata")?["resourceVersion"]?.DeepClone();
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            obj.Remove(key);
        }

        foreach (var (key, value) in old)
        {
            if (key != "status")
            {
                obj[key] = value?.DeepClone();
            }
        }

        if (hadStatus)
        {
            obj["status"] = status;
        }

        if (resourceVersion is not null && obj["metadata"] is JsonObject meta)
        {
            meta["resourceVersion"] = resourceVersion;
        }
    }

    public void ApplyDefaults(JsonObject obj) => schema.ApplyDefaults(obj);

    /// <summary>
    /// An object read from storage as upstream serves it: pruned and defaulted by the schema of
    /// today (a copy: the stored object is shared), so a default added to a CRD shows on old objects.
    /// </summary>
    public JsonObject OnRead(JsonObject stored)
    {
        if (schema is PreservingSchema)
        {
            return stored;
        }

        var copy = (JsonObject)stored.DeepClone();
        schema.Prune(copy);
        schema.ApplyDefaults(copy);
        return copy;
    }

    public IReadOnlyList<FieldError> ValidateCreate(JsonObject obj)
    {
        var errs = new List<FieldError>();
        ObjectMetaValidation.Validate(obj.Obj("metadata"), NameRules.DnsSubdomain, namespaced, errs);
        errs.AddRange(schema.Validate(obj, null));
        ValidateScale(obj, errs);
        return errs;
    }

    public IReadOnlyList<FieldError> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var errs = new List<FieldError>();
        ObjectMetaValidation.ValidateUpdate(obj.Obj("metadata"), old.Obj("metadata"), NameRules.DnsSubdomain, namespaced, errs);
        errs.AddRange(schema.Validate(obj, old));
        ValidateScale(obj, errs);
        return errs;
    }

    public bool IsNewGeneration(JsonObject obj, JsonObject old)
    {
        foreach (var key in obj.Select(p => p.Key).Union(old.Select(p => p.Key)))
        {
            // With /status its own subresource, a status write is never a new generation.
            if (key is "metadata" or "apiVersion" or "kind" || hasStatus && key == "status")
            {
                continue;
            }

            if (!JsonNode.DeepEquals(obj[key], old[key]))
            {
                return true;
            }
        }

        return false;
    }

    // Upstream checks the replicas fields the scale subresource reads: an integer where one is set.
    private void ValidateScale(JsonObject obj, List<FieldError> errs)
    {
        if (scale is null)
        {
            return;
        }

        var spec = SimpleJsonPath.Parse(scale.SpecReplicasPath).First(obj);
        if (spec is not null && JsonAccess.WholeNumber(spec) is null)
        {
            errs.Add(FieldError.Invalid(scale.SpecReplicasPath.TrimStart('.'), JsonAccess.Compact(spec), "must be an integer"));
        }
    }
}
