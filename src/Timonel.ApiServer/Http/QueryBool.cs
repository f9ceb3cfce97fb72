using Microsoft.Extensions.Primitives;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Boolean query parameters as upstream converts them (runtime.Convert_Slice_string_To_bool):
/// absent is false (or unset), the first value "0", "f" or "false" in any case is false, and
/// anything else, the empty string included, is true. The official Python client sends
/// watch=True; a stricter parse would hand it a list instead of a watch.
/// </summary>
internal static class QueryBool
{
    public static bool Parse(StringValues values) => values.Count > 0 && IsTrue(values[0]);

    /// <summary>Null when the parameter is absent (upstream's *bool fields).</summary>
    public static bool? ParseOptional(StringValues values) => values.Count == 0 ? null : IsTrue(values[0]);

    private static bool IsTrue(string? value) =>
        !(value == "0" || string.Equals(value, "f", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase));
}
