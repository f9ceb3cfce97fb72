using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>ConfigMaps: no status; valid unique keys across data and binaryData, at most 1 MiB, optionally immutable.</summary>
public sealed class ConfigMapStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var data = obj.Obj("data");
        var binary = obj.Obj("binaryData");
        DataKeyValidation.ValidateKeys(data, "data", errs);
        DataKeyValidation.ValidateKeys(binary, "binaryData", errs);
        long total = 0;
        foreach (var (key, value) in data.StringMap())
        {
            total += Encoding.UTF8.GetByteCount(value);
            if (binary?.ContainsKey(key) == true)
            {
                errs.Add(FieldError.Invalid($"data[{key}]", key, "duplicate of key present in binaryData"));
            }
        }
        foreach (var (key, node) in binary ?? [])
        {
            var text = JsonAccess.AsString(node) ?? "";
            if (!Base64.TryDecodedLength(text, out var length))
            {
                errs.Add(FieldError.Invalid($"binaryData[{key}]", null, "must be valid base64 data"));
            }
            total += length;
        }
        DataKeyValidation.ValidateTotalSize(total, "data", errs);
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        DataKeyValidation.ValidateImmutable(obj, old, ["data", "binaryData"], errs);
}
