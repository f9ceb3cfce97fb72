using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Namespaces: DNS-1123 label names, created Active with the "kubernetes" finalizer and the
/// kubernetes.io/metadata.name label; spec.finalizers only change through /finalize.
/// </summary>
public sealed class NamespaceStrategy() : ResourceStrategy(namespaced: false, hasStatus: true)
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    protected override NameRule NameRule => NameRules.DnsLabel;

    public override void PrepareForCreate(JsonObject obj)
    {
        obj["status"] = new JsonObject { ["phase"] = "Active" };
        var finalizers = obj.Ensure("spec")["finalizers"] as JsonArray;
        if (finalizers is null)
        {
            finalizers = [];
            obj.Ensure("spec")["finalizers"] = finalizers;
        }
        if (!finalizers.Strings().Any(f => f.Value == "kubernetes"))
        {
            finalizers.Add("kubernetes");
        }
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        CopyFromOld(obj, old, "spec");
    }

    /// <summary>The /finalize subresource: only spec.finalizers comes from the request.</summary>
    public static void PrepareForFinalize(JsonObject obj, JsonObject old)
    {
        var finalizers = obj.Obj("spec")?["finalizers"]?.DeepClone();
        foreach (var key in obj.Select(p => p.Key).Where(k => k is not ("metadata" or "apiVersion" or "kind")).ToList())
        {
            obj.Remove(key);
        }
        foreach (var (key, value) in old)
        {
            if (key is not ("metadata" or "apiVersion" or "kind"))
            {
                obj[key] = value?.DeepClone();
            }
        }
        var spec = obj.Ensure("spec");
        spec.Remove("finalizers");
        if (finalizers is not null)
        {
            spec["finalizers"] = finalizers;
        }
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        var meta = obj.Ensure("metadata");
        if (meta.Str("name") is { Length: > 0 } name)
        {
            meta.Ensure("labels")[NameLabel] = name;
        }
        obj.Ensure("status").DefaultString("phase", "Active");
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        foreach (var (i, finalizer) in obj.Obj("spec").Arr("finalizers").Strings())
        {
            foreach (var msg in NameValidation.IsQualifiedName(finalizer))
            {
                errs.Add(FieldError.Invalid($"spec.finalizers[{i}]", finalizer, msg));
            }
            if (!finalizer.Contains('/', StringComparison.Ordinal) && finalizer != "kubernetes")
            {
                errs.Add(FieldError.Invalid($"spec.finalizers[{i}]", finalizer, "name is neither a standard finalizer name nor is it fully qualified"));
            }
        }
        FieldChecks.OneOf(obj.Obj("status"), "phase", "status.phase", ["Active", "Terminating"], errs);
    }
}
