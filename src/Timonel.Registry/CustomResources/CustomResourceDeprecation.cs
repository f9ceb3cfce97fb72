using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// Upstream's default deprecation warning of a custom resource version: "&lt;group&gt;/&lt;version&gt;
/// &lt;Kind&gt; is deprecated", followed by "; use &lt;group&gt;/&lt;newer&gt; &lt;Kind&gt;" naming the most
/// preferred served, non-deprecated version that ranks above the deprecated one (kube-aware
/// order: GA above beta above alpha, then higher numbers first).
/// </summary>
public static class CustomResourceDeprecation
{
    public static string DefaultWarning(string group, string kind, string version, IEnumerable<JsonObject> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var text = $"{group}/{version} {kind} is deprecated";
        var better = versions
            .Where(v => v.Bool("served") == true && v.Bool("deprecated") != true && v.Str("name") is { } name && Compare(version, name) < 0)
            .Select(v => v.Str("name")!)
            .OrderByDescending(v => v, Comparer<string>.Create(Compare))
            .FirstOrDefault();
        return better is null ? text : $"{text}; use {group}/{better} {kind}";
    }

    /// <summary>Upstream's CompareKubeAwareVersionStrings: positive when <paramref name="a"/> ranks above <paramref name="b"/>.</summary>
    public static int Compare(string a, string b)
    {
        var (aKube, aMajor, aLevel, aMinor) = Parse(a);
        var (bKube, bMajor, bLevel, bMinor) = Parse(b);
        if (!aKube || !bKube)
        {
            // Kube-like versions rank above others; others compare as text, earlier first.
            return aKube != bKube ? (aKube ? 1 : -1) : -string.CompareOrdinal(a, b);
        }

        if (aLevel != bLevel)
        {
            return aLevel.CompareTo(bLevel);
        }

        return aMajor != bMajor ? aMajor.CompareTo(bMajor) : aMinor.CompareTo(bMinor);
    }

    // v<major>[(alpha|beta)<minor>]: level 2 GA, 1 beta, 0 alpha.
    private static (bool Kube, int Major, int Level, int Minor) Parse(string v)
    {
        if (v.Length < 2 || v[0] != 'v' || !char.IsAsciiDigit(v[1]))
        {
            return (false, 0, 0, 0);
        }

        var i = 1;
        while (i < v.Length && char.IsAsciiDigit(v[i]))
        {
            i++;
        }

        if (!int.TryParse(v[1..i], NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            return (false, 0, 0, 0);
        }

        if (i == v.Length)
        {
            return (true, major, 2, 0);
        }

        var rest = v[i..];
        var level = rest.StartsWith("beta", StringComparison.Ordinal) ? 1 : rest.StartsWith("alpha", StringComparison.Ordinal) ? 0 : -1;
        var digits = level == 1 ? rest[4..] : level == 0 ? rest[5..] : "";
        return level >= 0 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            ? (true, major, level, minor)
            : (false, 0, 0, 0);
    }
}
