using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>metadata checks shared by every kind (upstream's ValidateObjectMeta / ValidateObjectMetaUpdate).</summary>
public static class ObjectMetaValidation
{
    /// <summary>The most bytes labels' and annotations' keys and values may take together (256 KiB).</summary>
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    // The CRD cleanup finalizer is apiextensions' own; its validation (apimachinery's generic one) never asks for a '/'.
    private static readonly HashSet<string> StandardFinalizers = ["kubernetes", "orphan", "foregroundDeletion", "customresourcecleanup.apiextensions.k8s.io"];

    /// <summary>Validates metadata of a new object; <paramref name="namespaced"/> checks the namespace's syntax.</summary>
    public static void Validate(JsonObject? meta, NameRule nameRule, bool namespaced, List<FieldError> errs, string path = "metadata")
    {
        var name = meta.Str("name") ?? "";
        var generateName = meta.Str("generateName") ?? "";
        if (generateName.Length > 0)
        {
            foreach (var msg in nameRule(generateName, true))
            {
                errs.Add(FieldError.Invalid($"{path}.generateName", generateName, msg));
            }
        }
        if (name.Length == 0)
        {
            if (generateName.Length == 0)
            {
                errs.Add(FieldError.Required($"{path}.name", "name or generateName is required"));
            }
        }
        else
        {
            foreach (var msg in nameRule(name, false))
            {
                errs.Add(FieldError.Invalid($"{path}.name", name, msg));
            }
        }
        var ns = meta.Str("namespace") ?? "";
        if (namespaced && ns.Length > 0)
        {
            foreach (var msg in NameValidation.IsDns1123Label(ns))
            {
                errs.Add(FieldError.Invalid($"{path}.namespace", ns, msg));
            }
        }
        if (meta.Int("generation") is < 0)
        {
            errs.Add(FieldError.Invalid($"{path}.generation", meta.Int("generation")?.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be greater than or equal to 0"));
        }
        LabelValidation.ValidateLabels(meta.Obj("labels"), $"{path}.labels", errs);
        ValidateAnnotations(meta.Obj("annotations"), $"{path}.annotations", errs);
        ValidateOwnerReferences(meta.Arr("ownerReferences"), $"{path}.ownerReferences", errs);
        ValidateFinalizers(meta.Arr("finalizers"), $"{path}.finalizers", errs);
    }

    /// <summary>Validates metadata of an update: the new metadata, plus fields that never change.</summary>
    public static void ValidateUpdate(JsonObject? meta, JsonObject? old, NameRule nameRule, bool namespaced, List<FieldError> errs)
    {
        Validate(meta, nameRule, namespaced, errs);
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp" })
        {
            var before = old.Str(field);
            var after = meta.Str(field);
            // An empty value means the client left it out; the server fills it from the old object.
            if (!string.IsNullOrEmpty(before) && !string.IsNullOrEmpty(after) && after != before)
            {
                errs.Add(FieldError.Invalid($"metadata.{field}", after ?? "", "field is immutable"));
            }
        }
        var oldDeletion = old.Str("deletionTimestamp");
        if (oldDeletion is not null && meta.Str("deletionTimestamp") != oldDeletion)
        {
            errs.Add(FieldError.Invalid("metadata.deletionTimestamp", meta.Str("deletionTimestamp") ?? "", "field is immutable; may only be changed via deletion"));
        }
    }

    public static void ValidateAnnotations(JsonObject? annotations, string path, List<FieldError> errs)
    {
        long total = 0;
        foreach (var (key, value) in annotations.StringMap())
        {
            foreach (var msg in NameValidation.IsQualifiedName(key.ToLowerInvariant()))
            {
                errs.Add(FieldError.Invalid(path, key, msg));
            }
            total += System.Text.Encoding.UTF8.GetByteCount(key) + System.Text.Encoding.UTF8.GetByteCount(value);
        }
        if (total > TotalAnnotationSizeLimit)
        {
            errs.Add(FieldError.TooLong(path, null, TotalAnnotationSizeLimit));
        }
    }

    public static void ValidateOwnerReferences(JsonArray? refs, string path, List<FieldError> errs)
    {
        var controllers = new List<string>();
        foreach (var (_, r) in refs.Objects())
        {
            var apiVersion = r.Str("apiVersion") ?? "";
            var version = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..] : apiVersion;
            if (version.Length == 0)
            {
                errs.Add(FieldError.Invalid($"{path}.apiVersion", apiVersion, "version must not be empty"));
            }
            if (string.IsNullOrEmpty(r.Str("kind")))
            {
                errs.Add(FieldError.Invalid($"{path}.kind", "", "kind must not be empty"));
            }
            if (string.IsNullOrEmpty(r.Str("name")))
            {
                errs.Add(FieldError.Invalid($"{path}.name", "", "name must not be empty"));
            }
            if (string.IsNullOrEmpty(r.Str("uid")))
            {
                errs.Add(FieldError.Invalid($"{path}.uid", "", "uid must not be empty"));
            }
            if (r.Bool("controller") == true)
            {
                controllers.Add(r.Str("name") ?? "");
            }
        }
        if (controllers.Count > 1)
        {
            errs.Add(FieldError.Invalid(path, null, $"Only one reference can have Controller set to true. Found \"true\" in references for {string.Join(" and ", controllers)}"));
        }
    }

    public static void ValidateFinalizers(JsonArray? finalizers, string path, List<FieldError> errs)
    {
        var seen = new HashSet<string>();
        foreach (var (_, name) in finalizers.Strings())
        {
            var msgs = NameValidation.IsQualifiedName(name);
            foreach (var msg in msgs)
            {
                errs.Add(FieldError.Invalid(path, name, msg));
            }
            if (msgs.Count == 0 && !name.Contains('/', StringComparison.Ordinal) && !StandardFinalizers.Contains(name))
            {
                errs.Add(FieldError.Invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"));
            }
            seen.Add(name);
        }
        if (seen.Contains("orphan") && seen.Contains("foregroundDeletion"))
        {
            errs.Add(FieldError.Invalid(path, "orphan, foregroundDeletion", "finalizer orphan and foregroundDeletion cannot be both set"));
        }
    }
}
