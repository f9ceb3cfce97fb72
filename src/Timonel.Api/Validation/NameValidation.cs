using System.Text.RegularExpressions;

namespace Timonel.Api.Validation;

/// <summary>
/// Name and label syntax checks with upstream's exact messages (apimachinery util/validation).
/// Each returns the failure messages; an empty list means valid.
/// </summary>
public static partial class NameValidation
{
    public const string Dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    public const string Dns1123SubdomainFormat = Dns1123LabelFormat + "(\\." + Dns1123LabelFormat + ")*";
    public const string Dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?";
    public const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    public const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";
    public const string ConfigKeyFormat = "[-._a-zA-Z0-9]+";
    public const string EnvVarNameFormat = "[-._a-zA-Z][-._a-zA-Z0-9]*";

    private const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    private const string Dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    private const string QualifiedNameMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string ConfigKeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
    private const string EnvVarNameMessage = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";

    [GeneratedRegex("^" + Dns1123LabelFormat + "$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^" + Dns1123SubdomainFormat + "$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^" + Dns1035LabelFormat + "$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^" + QualifiedNameFormat + "$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^" + LabelValueFormat + "$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^" + ConfigKeyFormat + "$")]
    private static partial Regex ConfigKey();

    [GeneratedRegex("^" + EnvVarNameFormat + "$")]
    private static partial Regex EnvVarName();

    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex PortNameChars();

    [GeneratedRegex("[a-z]")]
    private static partial Regex HasLetter();

    public static string MaxLenError(int length) => $"must be no more than {length} characters";

    /// <summary>Upstream's RegexError: the message, examples, and the regex itself.</summary>
    public static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return $"{message} (regex used for validation is '{format}')";
        }
        var text = message + " (e.g. ";
        for (var i = 0; i < examples.Length; i++)
        {
            text += (i > 0 ? " or " : "") + $"'{examples[i]}', ";
        }
        return text + $"regex used for validation is '{format}')";
    }

    public static IReadOnlyList<string> IsDns1123Label(string value)
    {
        var errs = new List<string>();
        if (value.Length > 63)
        {
            errs.Add(MaxLenError(63));
        }
        if (!Dns1123Label().IsMatch(value))
        {
            errs.Add(RegexError(Dns1123LabelMessage, Dns1123LabelFormat, "my-name", "123-abc"));
        }
        return errs;
    }

    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
    {
        var errs = new List<string>();
        if (value.Length > 253)
        {
            errs.Add(MaxLenError(253));
        }
        if (!Dns1123Subdomain().IsMatch(value))
        {
            errs.Add(RegexError(Dns1123SubdomainMessage, Dns1123SubdomainFormat, "example.com"));
        }
        return errs;
    }

    public static IReadOnlyList<string> IsDns1035Label(string value)
    {
        var errs = new List<string>();
        if (value.Length > 63)
        {
            errs.Add(MaxLenError(63));
        }
        if (!Dns1035Label().IsMatch(value))
        {
            errs.Add(RegexError(Dns1035LabelMessage, Dns1035LabelFormat, "my-name", "abc-123"));
        }
        return errs;
    }

    /// <summary>A DNS subdomain that may start with "*." (ingress hosts, wildcard certificates).</summary>
    public static IReadOnlyList<string> IsWildcardDns1123Subdomain(string value) =>
        value.StartsWith("*.", StringComparison.Ordinal) ? IsDns1123Subdomain(value[2..]) : IsDns1123Subdomain(value);

    /// <summary>A label key or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters.</summary>
    public static IReadOnlyList<string> IsQualifiedName(string value)
    {
        var errs = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                name = parts[1];
                if (parts[0].Length == 0)
                {
                    errs.Add("prefix part must be non-empty");
                }
                else
                {
                    errs.AddRange(IsDns1123Subdomain(parts[0]).Select(m => "prefix part " + m));
                }
                break;
            default:
                errs.Add("a qualified name " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errs;
        }
        if (name.Length == 0)
        {
            errs.Add("name part must be non-empty");
        }
        else if (name.Length > 63)
        {
            errs.Add("name part " + MaxLenError(63));
        }
        if (!QualifiedName().IsMatch(name))
        {
            errs.Add("name part " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        }
        return errs;
    }

    public static IReadOnlyList<string> IsValidLabelValue(string value)
    {
        var errs = new List<string>();
        if (value.Length > 63)
        {
            errs.Add(MaxLenError(63));
        }
        if (!LabelValue().IsMatch(value))
        {
            errs.Add(RegexError(LabelValueMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        }
        return errs;
    }

    /// <summary>A key of a ConfigMap or Secret (also a file name in a volume).</summary>
    public static IReadOnlyList<string> IsConfigMapKey(string value)
    {
        var errs = new List<string>();
        if (value.Length > 253)
        {
            errs.Add(MaxLenError(253));
        }
        if (!ConfigKey().IsMatch(value))
        {
            errs.Add(RegexError(ConfigKeyMessage, ConfigKeyFormat, "key.name", "KEY_NAME", "key-name"));
        }
        if (value == ".")
        {
            errs.Add("must not be '.'");
        }
        else if (value == "..")
        {
            errs.Add("must not be '..'");
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            errs.Add("must not start with '..'");
        }
        return errs;
    }

    public static IReadOnlyList<string> IsEnvVarName(string value)
    {
        var errs = new List<string>();
        if (!EnvVarName().IsMatch(value))
        {
            errs.Add(RegexError(EnvVarNameMessage, EnvVarNameFormat, "my.env-name", "MY_ENV.NAME", "MyEnvName1"));
        }
        errs.AddRange(HasChDirPrefix(value));
        return errs;
    }

    /// <summary>An IANA service name, as container and service port names must be.</summary>
    public static IReadOnlyList<string> IsValidPortName(string value)
    {
        var errs = new List<string>();
        if (value.Length > 15)
        {
            errs.Add(MaxLenError(15));
        }
        if (!PortNameChars().IsMatch(value))
        {
            errs.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (!HasLetter().IsMatch(value))
        {
            errs.Add("must contain at least one letter (a-z)");
        }
        if (value.Contains("--", StringComparison.Ordinal))
        {
            errs.Add("must not contain consecutive hyphens");
        }
        if (value.Length > 0 && (value[0] == '-' || value[^1] == '-'))
        {
            errs.Add("must not begin or end with a hyphen");
        }
        return errs;
    }

    public static IReadOnlyList<string> IsValidPortNum(long port) =>
        port is >= 1 and <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];

    /// <summary>RBAC names and other names used as one URL path segment.</summary>
    public static IReadOnlyList<string> IsPathSegmentName(string value, bool prefix)
    {
        var errs = new List<string>();
        if (!prefix && value is "." or "..")
        {
            errs.Add($"may not be '{value}'");
            return errs;
        }
        foreach (var illegal in new[] { "/", "%" })
        {
            if (value.Contains(illegal, StringComparison.Ordinal))
            {
                errs.Add($"may not contain '{illegal}'");
            }
        }
        return errs;
    }

    /// <summary>An IPv4 address in dotted-quad form (no shorthand such as "10.1") or any IPv6 address.</summary>
    public static IReadOnlyList<string> IsValidIp(string value)
    {
        var ok = System.Net.IPAddress.TryParse(value, out var ip) && (value.Contains(':', StringComparison.Ordinal)
            ? ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !value.Contains('%', StringComparison.Ordinal)
            : ip.ToString() == value);
        return ok ? [] : ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"];
    }

    public static IReadOnlyList<string> IsValidCidr(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && System.Net.IPAddress.TryParse(value[..slash], out var ip)
            && int.TryParse(value[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits)
            && bits <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
        {
            return [];
        }
        return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"];
    }

    private static IEnumerable<string> HasChDirPrefix(string value)
    {
        if (value == ".")
        {
            yield return "must not be '.'";
        }
        else if (value == "..")
        {
            yield return "must not be '..'";
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            yield return "must not start with '..'";
        }
    }
}
