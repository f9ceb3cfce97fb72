using Timonel.Api.Errors;

namespace Timonel.Api.Validation;

/// <summary>Error shapes upstream has that <see cref="FieldError"/> does not carry yet.</summary>
public static class FieldErrors
{
    /// <summary>
    /// Upstream's field.NotFound ("Not found: \"x\""). FieldErrorType has no NotFound member, so
    /// this reports Invalid with the same meaning until the shared type grows one.
    /// </summary>
    public static FieldError NotFound(string path, string value) => FieldError.NotFound(path, value);
}
