using System.Globalization;

namespace Timonel.Api.Quota;

/// <summary>
/// Prints a quantity value in the canonical style upstream uses in messages: binary suffixes for
/// values that were written with them ("1Gi"), otherwise the largest exact decimal suffix ("2",
/// "500m", "1k").
/// </summary>
public static class QuantityFormat
{
    private static readonly (string Suffix, decimal Factor)[] Binary =
        [("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024), ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024), ("Gi", 1024m * 1024 * 1024), ("Mi", 1024m * 1024), ("Ki", 1024m)];

    private static readonly (string Suffix, decimal Factor)[] Decimal =
        [("E", 1e18m), ("P", 1e15m), ("T", 1e12m), ("G", 1e9m), ("M", 1e6m), ("k", 1e3m), ("", 1m), ("m", 0.001m), ("u", 0.000001m), ("n", 0.000000001m)];

    public static string Format(decimal value, bool binary)
    {
        if (value == 0)
        {
            return "0";
        }

        if (binary && value == decimal.Truncate(value))
        {
            foreach (var (suffix, factor) in Binary)
            {
                if (Math.Abs(value) >= factor && value % factor == 0)
                {
                    return (value / factor).ToString("0", CultureInfo.InvariantCulture) + suffix;
                }
            }

            return value.ToString("0", CultureInfo.InvariantCulture);
        }

        foreach (var (suffix, factor) in Decimal)
        {
            if (Math.Abs(value) >= factor && value % factor == 0)
            {
                return (value / factor).ToString("0", CultureInfo.InvariantCulture) + suffix;
            }
        }

        // Below a nano: round up to one, as upstream's quantities do.
        return "1n";
    }

    /// <summary>Whether a written quantity used a binary suffix, so sums of it print the same way.</summary>
    public static bool IsBinary(string? text) => text is not null && text.EndsWith('i');
}
