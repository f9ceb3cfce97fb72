using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Api.Errors;

namespace Timonel.Api.Validation;

/// <summary>Small checks upstream repeats everywhere: ranges, enums, immutability, int-or-percent, quantities.</summary>
public static partial class FieldChecks
{
    [GeneratedRegex("^[0-9]+%$")]
    private static partial Regex Percent();

    /// <summary>Upstream's ValidateNonnegativeField, for an optional integer field.</summary>
    public static void NonNegative(JsonNode? parent, string key, string path, List<FieldError> errs)
    {
        if (parent.Int(key) is { } v && v < 0)
        {
            errs.Add(FieldError.Invalid(path, v, "must be greater than or equal to 0"));
        }
    }

    /// <summary>An optional integer field that must be positive when present.</summary>
    public static void Positive(JsonNode? parent, string key, string path, List<FieldError> errs)
    {
        if (parent.Int(key) is { } v && v <= 0)
        {
            errs.Add(FieldError.Invalid(path, v, "must be greater than 0"));
        }
    }

    /// <summary>An optional string field limited to the listed values ("" counts as unset).</summary>
    public static void OneOf(JsonNode? parent, string key, string path, IReadOnlyList<string> supported, List<FieldError> errs, bool required = false)
    {
        var value = parent.Str(key);
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errs.Add(FieldError.Required(path, ""));
            }
            return;
        }
        if (!supported.Contains(value))
        {
            errs.Add(FieldError.NotSupported(path, value, supported));
        }
    }

    /// <summary>Upstream's ValidateImmutableField: any change of the value is invalid.</summary>
    public static void Immutable(JsonNode? now, JsonNode? before, string path, List<FieldError> errs)
    {
        if (!JsonAccess.Same(now, before))
        {
            errs.Add(FieldError.Invalid(path, Display(now), "field is immutable"));
        }
    }

    /// <summary>How a bad value reads in a message: strings bare, other JSON compact.</summary>
    public static string Display(JsonNode? node) => JsonAccess.AsString(node) ?? JsonAccess.Compact(node);

    /// <summary>Upstream's ValidatePositiveIntOrPercent (plus IsNotMoreThan100Percent when <paramref name="atMost100"/>).</summary>
    public static void IntOrPercent(JsonNode? value, string path, List<FieldError> errs, bool atMost100 = false)
    {
        if (value is null)
        {
            return;
        }
        if (JsonAccess.AsLong(value) is { } n)
        {
            if (n < 0)
            {
                errs.Add(FieldError.Invalid(path, n, "must be greater than or equal to 0"));
            }
            return;
        }
        var s = JsonAccess.AsString(value);
        if (s is null || !Percent().IsMatch(s))
        {
            errs.Add(FieldError.Invalid(path, s ?? Display(value), NameValidation.RegexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%")));
            return;
        }
        if (atMost100 && int.TryParse(s[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var pct) && pct > 100)
        {
            errs.Add(FieldError.Invalid(path, s, "must not be greater than 100%"));
        }
    }

    /// <summary>Whether an int-or-percent value is zero ("0" or "0%").</summary>
    public static bool IsZeroIntOrPercent(JsonNode? value) =>
        JsonAccess.AsLong(value) == 0 || JsonAccess.AsString(value) is "0%" or "0";

    /// <summary>A map of resource name to quantity (requests, limits, capacity, hard): each must parse and not be negative.</summary>
    public static Dictionary<string, decimal> Quantities(JsonObject? map, string path, List<FieldError> errs)
    {
        var parsed = new Dictionary<string, decimal>();
        if (map is null)
        {
            return parsed;
        }
        foreach (var (name, node) in map)
        {
            var at = $"{path}[{name}]";
            foreach (var msg in NameValidation.IsQualifiedName(name))
            {
                errs.Add(FieldError.Invalid(at, name, msg));
            }
            var text = JsonAccess.Scalar(node);
            if (!Quantity.TryParse(text, out var q))
            {
                errs.Add(FieldError.Invalid(at, text ?? Display(node), Quantity.FormatError));
                continue;
            }
            if (q < 0)
            {
                errs.Add(FieldError.Invalid(at, text, "must be greater than or equal to 0"));
            }
            parsed[name] = q;
        }
        return parsed;
    }
}
