using System.Text;
using System.Text.RegularExpressions;

namespace Timonel.Api.Selectors;

/// <summary>
/// Label key and value rules (upstream's IsQualifiedName / IsValidLabelValue), returning upstream's
/// messages so that selector errors read as they do against kube-apiserver.
/// </summary>
internal static partial class LabelSyntax
{
    private const int NameMaxLength = 63;
    private const int ValueMaxLength = 63;
    private const int SubdomainMaxLength = 253;

    private const string NameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string NameMessage = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string ValueFormat = "(" + NameFormat + ")?";
    private const string ValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string SubdomainFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    private const string SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

    // \z, not $: .NET's $ also matches before a trailing newline, Go's does not.
    [GeneratedRegex("^" + NameFormat + "\\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^" + ValueFormat + "\\z")]
    private static partial Regex ValuePattern();

    [GeneratedRegex("^" + SubdomainFormat + "\\z")]
    private static partial Regex SubdomainPattern();

    /// <summary>Problems with a label key ("[prefix/]name"); empty when it is valid.</summary>
    public static List<string> KeyErrors(string key)
    {
        var errors = new List<string>();
        var parts = key.Split('/');
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
                    errors.Add("prefix part must be non-empty");
                }
                else
                {
                    errors.AddRange(SubdomainErrors(parts[0]).Select(e => "prefix part " + e));
                }

                break;
            default:
                errors.Add("a valid label key " + RegexError(NameMessage, NameFormat, "MyName", "my.name", "123-abc") +
                    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }

        if (name.Length == 0)
        {
            errors.Add("name part must be non-empty");
        }
        else if (ByteLength(name) > NameMaxLength)
        {
            errors.Add("name part " + MaxLengthError(NameMaxLength));
        }

        if (!NamePattern().IsMatch(name))
        {
            errors.Add("name part " + RegexError(NameMessage, NameFormat, "MyName", "my.name", "123-abc"));
        }

        return errors;
    }

    /// <summary>Problems with a label value; empty when it is valid (the empty string is valid).</summary>
    public static List<string> ValueErrors(string value)
    {
        var errors = new List<string>();
        if (ByteLength(value) > ValueMaxLength)
        {
            errors.Add(MaxLengthError(ValueMaxLength));
        }

        if (!ValuePattern().IsMatch(value))
        {
            errors.Add(RegexError(ValueMessage, ValueFormat, "MyValue", "my_value", "12345"));
        }

        return errors;
    }

    private static List<string> SubdomainErrors(string value)
    {
        var errors = new List<string>();
        if (ByteLength(value) > SubdomainMaxLength)
        {
            errors.Add(MaxLengthError(SubdomainMaxLength));
        }

        if (!SubdomainPattern().IsMatch(value))
        {
            errors.Add(RegexError(SubdomainMessage, SubdomainFormat, "example.com"));
        }

        return errors;
    }

    // Upstream counts bytes (Go strings), not UTF-16 units.
    private static int ByteLength(string s) => Encoding.UTF8.GetByteCount(s);

    private static string MaxLengthError(int length) => $"must be no more than {length} bytes";

    private static string RegexError(string message, string format, params string[] examples)
    {
        var sb = new StringBuilder(message).Append(" (e.g. ");
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(" or ");
            }

            sb.Append('\'').Append(examples[i]).Append("', ");
        }

        return sb.Append("regex used for validation is '").Append(format).Append("')").ToString();
    }
}
