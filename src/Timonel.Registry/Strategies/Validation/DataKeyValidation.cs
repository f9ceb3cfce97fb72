using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>The keys of ConfigMap and Secret data, and the 1 MiB limit on their total size.</summary>
public static class DataKeyValidation
{
    /// <summary>The most bytes a ConfigMap's or Secret's data may hold (upstream's MaxSecretSize).</summary>
    public const int MaxSize = 1024 * 1024;

    public static void ValidateKeys(JsonObject? data, string path, List<FieldError> errs)
    {
        foreach (var (key, _) in data ?? [])
        {
            foreach (var msg in NameValidation.IsConfigMapKey(key))
            {
                errs.Add(FieldError.Invalid($"{path}[{key}]", key, msg));
            }
        }
    }

    public static void ValidateTotalSize(long total, string path, List<FieldError> errs)
    {
        if (total > MaxSize)
        {
            errs.Add(FieldError.TooLong(path, null, MaxSize));
        }
    }

    /// <summary>With immutable: true, data cannot change and the flag cannot be cleared.</summary>
    public static void ValidateImmutable(JsonObject obj, JsonObject old, string[] dataFields, List<FieldError> errs)
    {
        if (old.Bool("immutable") != true)
        {
            return;
        }
        if (obj.Bool("immutable") != true)
        {
            errs.Add(FieldError.Forbidden("immutable", "field is immutable when `immutable` is set"));
        }
        foreach (var field in dataFields)
        {
            if (!JsonAccess.Same(obj[field], old[field]))
            {
                errs.Add(FieldError.Forbidden(field, "field is immutable when `immutable` is set"));
            }
        }
    }
}
