namespace Timonel.Api.Errors;

/// <summary>
/// One validation failure on one field, shaped like upstream's field.Error so that the 422
/// Status lists it as a cause (reason "FieldValueRequired", "FieldValueInvalid", ...).
/// </summary>
public sealed record FieldError(FieldErrorType Type, string Field, string Detail, string? BadValue = null, bool QuoteValue = true)
{
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, detail);

    public static FieldError Invalid(string field, string? value, string detail) => new(FieldErrorType.Invalid, field, detail, value);

    /// <summary>A bad number: upstream prints it bare (Invalid value: -1), not quoted like a string.</summary>
    public static FieldError Invalid(string field, long value, string detail) =>
        new(FieldErrorType.Invalid, field, detail, value.ToString(System.Globalization.CultureInfo.InvariantCulture), QuoteValue: false);

    public static FieldError NotFound(string field, string? value) => new(FieldErrorType.NotFound, field, "", value);

    public static FieldError NotSupported(string field, string? value, IEnumerable<string> supported) =>
        new(FieldErrorType.NotSupported, field, "supported values: " + string.Join(", ", supported.Select(s => $"\"{s}\"")), value);

    public static FieldError Duplicate(string field, string? value) => new(FieldErrorType.Duplicate, field, "", value);

    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, detail);

    public static FieldError TooLong(string field, string? value, int max) => new(FieldErrorType.TooLong, field, $"must have at most {max} bytes", value);

    /// <summary>A list longer than its maximum: upstream's field.TooMany, "Too many: 5: must have at most 3 items".</summary>
    public static FieldError TooMany(string field, int actual, int max) =>
        new(FieldErrorType.TooMany, field, $"must have at most {max} items", actual.ToString(System.Globalization.CultureInfo.InvariantCulture), QuoteValue: false);

    /// <summary>The Status cause reason, e.g. "FieldValueRequired".</summary>
    public string Reason => "FieldValue" + Type;

    /// <summary>Upstream's message text, e.g. "Required value: must specify a name".</summary>
    public string Message
    {
        get
        {
            var head = Type switch
            {
                FieldErrorType.Required => "Required value",
                FieldErrorType.Invalid => BadValue is null ? "Invalid value" : QuoteValue ? $"Invalid value: \"{BadValue}\"" : $"Invalid value: {BadValue}",
                FieldErrorType.NotFound => $"Not found: \"{BadValue}\"",
                FieldErrorType.NotSupported => $"Unsupported value: \"{BadValue}\"",
                FieldErrorType.Duplicate => QuoteValue ? $"Duplicate value: \"{BadValue}\"" : $"Duplicate value: {BadValue}",
                FieldErrorType.Forbidden => "Forbidden",
                FieldErrorType.TooLong => "Too long",
                FieldErrorType.TooMany => BadValue is null ? "Too many" : $"Too many: {BadValue}",
                _ => Type.ToString(),
            };
            return Detail.Length == 0 ? head : $"{head}: {Detail}";
        }
    }

    /// <summary>"field: message", as upstream joins errors in a Status message.</summary>
    public override string ToString() => $"{Field}: {Message}";
}

public enum FieldErrorType
{
    Required,
    Invalid,
    NotSupported,
    Duplicate,
    Forbidden,
    TooLong,
    NotFound,
    TooMany,
}
