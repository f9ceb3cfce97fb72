namespace Timonel.Api.Selectors;

internal enum TokenKind
{
    Error,
    EndOfString,
    CloseParen,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenParen,
}

internal readonly record struct Token(TokenKind Kind, string Literal);

/// <summary>Splits a label selector into tokens exactly as upstream's lexer does.</summary>
internal static class LabelSelectorLexer
{
    private static readonly Dictionary<string, TokenKind> Literals = new(StringComparer.Ordinal)
    {
        [")"] = TokenKind.CloseParen,
        [","] = TokenKind.Comma,
        ["!"] = TokenKind.DoesNotExist,
        ["=="] = TokenKind.DoubleEquals,
        ["="] = TokenKind.Equals,
        [">"] = TokenKind.GreaterThan,
        ["in"] = TokenKind.In,
        ["<"] = TokenKind.LessThan,
        ["!="] = TokenKind.NotEquals,
        ["notin"] = TokenKind.NotIn,
        ["("] = TokenKind.OpenParen,
    };

    /// <summary>Every token of the text, ending with one EndOfString token.</summary>
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var pos = 0;
        while (true)
        {
            var token = Next(text, ref pos);
            tokens.Add(token);
            if (token.Kind == TokenKind.EndOfString)
            {
                return tokens;
            }
        }
    }

    private static Token Next(string text, ref int pos)
    {
        while (pos < text.Length && IsWhitespace(text[pos]))
        {
            pos++;
        }

        // Selector text never holds a NUL here (SelectorLimits.Check refuses it first).
        if (pos >= text.Length)
        {
            return new Token(TokenKind.EndOfString, "");
        }

        return IsSpecial(text[pos]) ? ScanSymbol(text, ref pos) : ScanIdentifierOrKeyword(text, ref pos);
    }

    private static Token ScanIdentifierOrKeyword(string text, ref int pos)
    {
        var start = pos;
        while (pos < text.Length && !IsSpecial(text[pos]) && !IsWhitespace(text[pos]))
        {
            pos++;
        }

        var literal = text[start..pos];
        return Literals.TryGetValue(literal, out var kind) ? new Token(kind, literal) : new Token(TokenKind.Identifier, literal);
    }

    // The longest run of operator characters that is still a known operator: "!=" and "==" win over "!" and "=".
    private static Token ScanSymbol(string text, ref int pos)
    {
        var start = pos;
        Token? last = null;
        while (pos < text.Length && IsSpecial(text[pos]))
        {
            var candidate = text[start..(pos + 1)];
            if (Literals.TryGetValue(candidate, out var kind))
            {
                last = new Token(kind, candidate);
                pos++;
            }
            else if (last is not null)
            {
                break;
            }
            else
            {
                pos++;
            }
        }

        return last ?? new Token(TokenKind.Error, $"error expected: keyword found '{text[start..pos]}'");
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';
}
