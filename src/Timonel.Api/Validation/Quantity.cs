using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Timonel.Api.Validation;

/// <summary>
/// The one parser of quantity strings ("100m", "1.5Gi", "2e3") to their decimal value, with
/// upstream's accept/refuse rules: everything that reads a quantity from wire JSON to check,
/// compare or sum it goes through <see cref="TryParse"/>. KubernetesClient's ResourceQuantity is
/// not used for that: it accepts what upstream's ParseQuantity refuses (" 1", "1 ", "1Gi"
/// with a trailing newline). Typed models arrive with their ResourceQuantity already parsed;
/// <see cref="Value(ResourceQuantity?)"/> and <see cref="MilliValue(ResourceQuantity?)"/> are
/// upstream's integer views of those.
/// </summary>
public static partial class Quantity
{
    public const string Format = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

    public const string FormatError = "quantities must match the regular expression '" + Format + "'";

    // Format with \z for its final $: .NET's $ also matches before a trailing newline ("1Gi\n"),
    // which upstream's parser refuses.
    [GeneratedRegex("^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)\\z")]
    private static partial Regex Shape();

    /// <summary>Upstream's Quantity.Value(): the value rounded up to an integer (0 for null), saturating at the long range.</summary>
    public static long Value(ResourceQuantity? quantity) => quantity is null ? 0 : Ceiling(quantity.ToDecimal());

    /// <summary>Upstream's Quantity.MilliValue(): the value in thousandths rounded up (0 for null), saturating at the long range.</summary>
    public static long MilliValue(ResourceQuantity? quantity) => quantity is null ? 0 : Ceiling(quantity.ToDecimal() * 1000m);

    private static long Ceiling(decimal d)
    {
        var c = decimal.Ceiling(d);
        return c >= long.MaxValue ? long.MaxValue : c <= long.MinValue ? long.MinValue : (long)c;
    }

    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var m = Shape().Match(text);
        if (!m.Success || !decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        var suffix = m.Groups[2].Value;
        decimal multiplier;
        switch (suffix)
        {
            case "": multiplier = 1; break;
            case "n": multiplier = 0.000000001m; break;
            case "u": multiplier = 0.000001m; break;
            case "m": multiplier = 0.001m; break;
            case "k": multiplier = 1e3m; break;
            case "M": multiplier = 1e6m; break;
            case "G": multiplier = 1e9m; break;
            case "T": multiplier = 1e12m; break;
            case "P": multiplier = 1e15m; break;
            case "E": multiplier = 1e18m; break;
            case "Ki": multiplier = 1024m; break;
            case "Mi": multiplier = 1024m * 1024; break;
            case "Gi": multiplier = 1024m * 1024 * 1024; break;
            case "Ti": multiplier = 1024m * 1024 * 1024 * 1024; break;
            case "Pi": multiplier = 1024m * 1024 * 1024 * 1024 * 1024; break;
            case "Ei": multiplier = 1024m * 1024 * 1024 * 1024 * 1024 * 1024; break;
            default:
                if (suffix[0] is not ('e' or 'E') || !int.TryParse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exp) || exp is > 24 or < -24)
                {
                    return false;
                }
                multiplier = 1;
                for (var i = 0; i < Math.Abs(exp); i++)
                {
                    multiplier = exp > 0 ? multiplier * 10 : multiplier / 10;
                }
                break;
        }
        try
        {
            value = number * multiplier;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
