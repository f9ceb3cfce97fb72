namespace Timonel.Cel.Checking;

/// <summary>
/// Property names as CEL sees them, escaped the way Kubernetes escapes them (k8s.io/apiserver/pkg/cel
/// Escape): a CEL keyword becomes `__keyword__`; `__`, `.`, `-` and `/` become `__underscores__`,
/// `__dot__`, `__dash__`, `__slash__`. Names with other characters are not reachable from rules.
/// </summary>
public static class FieldNames
{
    private static readonly (string Token, string Text)[] Escapes =
    [
        ("__underscores__", "__"), ("__dot__", "."), ("__dash__", "-"), ("__slash__", "/"),
    ];

    private static readonly HashSet<string> Keywords =
    [
        "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if",
        "import", "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ];

    public static string? Escape(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return null;
        }
        if (Keywords.Contains(name))
        {
            return "__" + name + "__";
        }
        var escaped = name.Replace("__", "__underscores__", StringComparison.Ordinal)
            .Replace(".", "__dot__", StringComparison.Ordinal)
            .Replace("-", "__dash__", StringComparison.Ordinal)
            .Replace("/", "__slash__", StringComparison.Ordinal);
        return escaped.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? escaped : null;
    }

    /// <summary>The property name a CEL field name stands for (the inverse of <see cref="Escape"/>).</summary>
    public static string Unescape(string field)
    {
        if (!field.Contains("__", StringComparison.Ordinal))
        {
            return field;
        }
        if (field.Length > 4 && field.StartsWith("__", StringComparison.Ordinal) && field.EndsWith("__", StringComparison.Ordinal)
            && Keywords.Contains(field[2..^2]))
        {
            return field[2..^2];
        }
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < field.Length;)
        {
            var token = Array.Find(Escapes, e => string.CompareOrdinal(field, i, e.Token, 0, e.Token.Length) == 0);
            if (token.Token is null)
            {
                sb.Append(field[i++]);
                continue;
            }
            sb.Append(token.Text);
            i += token.Token.Length;
        }
        return sb.ToString();
    }

}
