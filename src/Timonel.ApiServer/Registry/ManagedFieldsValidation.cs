using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Registry;

/// <summary>Upstream's ValidateManagedFields and ValidateFieldManager: what a stored managedFields entry must be.</summary>
internal static class ManagedFieldsValidation
{
    /// <summary>Upstream's limit on a fieldManager (and an entry's manager), in bytes.</summary>
    public const int MaxFieldManagerLength = 128;

    /// <summary>Upstream's limit on an entry's subresource name.</summary>
    public const int MaxSubresourceLength = 256;

    public static IReadOnlyList<FieldError> Validate(JsonObject obj)
    {
        if (obj["metadata"]?["managedFields"] is not JsonArray entries)
        {
            return [];
        }

        var errors = new List<FieldError>();
        for (var i = 0; i < entries.Count; i++)
        {
            var path = "metadata.managedFields[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            var entry = entries[i] as JsonObject ?? [];
            var operation = Text(entry["operation"]);
            if (operation is not ("Apply" or "Update"))
            {
                errors.Add(FieldError.Invalid(path + ".operation", operation ?? "", "must be `Apply` or `Update`"));
            }

            if (Text(entry["fieldsType"]) is { Length: > 0 } type && type != "FieldsV1")
            {
                errors.Add(FieldError.Invalid(path + ".fieldsType", type, "must be `FieldsV1`"));
            }

            errors.AddRange(ValidateFieldManager(Text(entry["manager"]) ?? "", path + ".manager"));
            if (Text(entry["subresource"]) is { Length: > MaxSubresourceLength } sub)
            {
                errors.Add(FieldError.TooLong(path + ".subresource", sub, MaxSubresourceLength));
            }
        }

        return errors;
    }

    public static IReadOnlyList<FieldError> ValidateFieldManager(string manager, string field)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(manager) > MaxFieldManagerLength)
        {
            return [FieldError.TooLong(field, manager, MaxFieldManagerLength)];
        }

        return manager.Any(char.IsControl) ? [FieldError.Invalid(field, manager, "must only contain printable characters")] : [];
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
