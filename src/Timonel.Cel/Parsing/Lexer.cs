using System.Globalization;
using System.Text;

namespace Timonel.Cel.Parsing;

/// <summary>Splits CEL source into tokens (langdef.md "Syntax"): numbers, quoted and raw strings, bytes, operators, comments.</summary>
internal sealed class Lexer(string source)
{
    private int _pos;

    public Token Next()
    {
        SkipSpaceAndComments();
        if (_pos >= source.Length)
        {
            return new Token(TokenKind.Eof, _pos, "<EOF>");
        }
        var start = _pos;
        var c = source[_pos];
        if (char.IsAsciiDigit(c) || (c == '.' && _pos + 1 < source.Length && char.IsAsciiDigit(source[_pos + 1])))
        {
            return Number(start);
        }
        if (c == '"' || c == '\'')
        {
            return Quoted(start, raw: false, bytes: false);
        }
        if (char.IsAsciiLetter(c) || c == '_')
        {
            var prefix = StringPrefix();
            if (prefix > 0)
            {
                var text = source.Substring(_pos, prefix).ToLowerInvariant();
                _pos += prefix;
                return Quoted(start, raw: text.Contains('r'), bytes: text.Contains('b'));
            }
            while (_pos < source.Length && (char.IsAsciiLetterOrDigit(source[_pos]) || source[_pos] == '_'))
            {
                _pos++;
            }
            var word = source[start.._pos];
            return word switch
            {
                "true" => new Token(TokenKind.True, start, word),
                "false" => new Token(TokenKind.False, start, word),
                "null" => new Token(TokenKind.Null, start, word),
                "in" => new Token(TokenKind.In, start, word),
                _ => new Token(TokenKind.Ident, start, word),
            };
        }
        _pos++;
        var two = _pos < source.Length ? source[_pos] : '\0';
        TokenKind kind;
        switch (c)
        {
            case '(': kind = TokenKind.LParen; break;
            case ')': kind = TokenKind.RParen; break;
            case '[': kind = TokenKind.LBracket; break;
            case ']': kind = TokenKind.RBracket; break;
            case '{': kind = TokenKind.LBrace; break;
            case '}': kind = TokenKind.RBrace; break;
            case '.': kind = TokenKind.Dot; break;
            case ',': kind = TokenKind.Comma; break;
            case ':': kind = TokenKind.Colon; break;
            case '?': kind = TokenKind.Question; break;
            case '-': kind = TokenKind.Minus; break;
            case '+': kind = TokenKind.Plus; break;
            case '*': kind = TokenKind.Star; break;
            case '/': kind = TokenKind.Slash; break;
            case '%': kind = TokenKind.Percent; break;
            case '!' when two == '=': _pos++; kind = TokenKind.Ne; break;
            case '!': kind = TokenKind.Not; break;
            case '=' when two == '=': _pos++; kind = TokenKind.Eq; break;
            case '<' when two == '=': _pos++; kind = TokenKind.Le; break;
            case '<': kind = TokenKind.Lt; break;
            case '>' when two == '=': _pos++; kind = TokenKind.Ge; break;
            case '>': kind = TokenKind.Gt; break;
            case '&' when two == '&': _pos++; kind = TokenKind.And; break;
            case '|' when two == '|': _pos++; kind = TokenKind.Or; break;
            default:
                throw new CelSyntaxException(start, $"token recognition error at: '{source[start.._pos]}'");
        }
        return new Token(kind, start, source[start.._pos]);
    }

    private void SkipSpaceAndComments()
    {
        while (_pos < source.Length)
        {
            var c = source[_pos];
            if (c is ' ' or '\t' or '\n' or '\r' or '\f')
            {
                _pos++;
            }
            else if (c == '/' && _pos + 1 < source.Length && source[_pos + 1] == '/')
            {
                while (_pos < source.Length && source[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>The length of a string prefix (r, b, rb, br in any case) directly followed by a quote, else 0.</summary>
    private int StringPrefix()
    {
        static bool IsPrefix(char ch) => ch is 'r' or 'R' or 'b' or 'B';
        var n = 0;
        while (n < 2 && _pos + n < source.Length && IsPrefix(source[_pos + n]))
        {
            n++;
        }
        if (n == 2 && char.ToLowerInvariant(source[_pos]) == char.ToLowerInvariant(source[_pos + 1]))
        {
            n = 1;
        }
        for (var len = n; len > 0; len--)
        {
            if (_pos + len < source.Length && source[_pos + len] is '"' or '\'')
            {
                return len;
            }
        }
        return 0;
    }

    private Token Number(int start)
    {
        if (source[_pos] == '0' && _pos + 1 < source.Length && source[_pos + 1] is 'x' or 'X')
        {
            _pos += 2;
            var digitsStart = _pos;
            while (_pos < source.Length && char.IsAsciiHexDigit(source[_pos]))
            {
                _pos++;
            }
            if (_pos == digitsStart)
            {
                throw new CelSyntaxException(start, $"token recognition error at: '{source[start.._pos]}'");
            }
            var hex = source[digitsStart.._pos];
            if (_pos < source.Length && source[_pos] is 'u' or 'U')
            {
                _pos++;
                return ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var u)
                    ? new Token(TokenKind.Uint, start, source[start.._pos], u)
                    : throw new CelSyntaxException(start, $"invalid uint literal");
            }
            return new Token(TokenKind.Int, start, source[start.._pos],
                ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var magnitude)
                    ? magnitude : throw new CelSyntaxException(start, "invalid int literal"));
        }
        var isDouble = false;
        SkipDigits();
        if (_pos + 1 < source.Length && source[_pos] == '.' && char.IsAsciiDigit(source[_pos + 1]))
        {
            isDouble = true;
            _pos++;
            SkipDigits();
        }
        if (_pos < source.Length && source[_pos] is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            if (_pos < source.Length && source[_pos] is '+' or '-')
            {
                _pos++;
            }
            if (_pos < source.Length && char.IsAsciiDigit(source[_pos]))
            {
                isDouble = true;
                SkipDigits();
            }
            else
            {
                _pos = save;
            }
        }
        var text = source[start.._pos];
        if (isDouble)
        {
            return new Token(TokenKind.Double, start, text, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
        if (_pos < source.Length && source[_pos] is 'u' or 'U')
        {
            _pos++;
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
                ? new Token(TokenKind.Uint, start, source[start.._pos], u)
                : throw new CelSyntaxException(start, "invalid uint literal");
        }
        // The magnitude is kept unsigned so that a leading '-' can make int64's minimum.
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            ? new Token(TokenKind.Int, start, text, m)
            : throw new CelSyntaxException(start, "invalid int literal");
    }

    private void SkipDigits()
    {
        while (_pos < source.Length && char.IsAsciiDigit(source[_pos]))
        {
            _pos++;
        }
    }

    private Token Quoted(int start, bool raw, bool bytes)
    {
        var quote = source[_pos];
        var triple = _pos + 2 < source.Length && source[_pos + 1] == quote && source[_pos + 2] == quote;
        _pos += triple ? 3 : 1;
        var text = new StringBuilder();
        var data = bytes ? new List<byte>() : null;
        while (true)
        {
            if (_pos >= source.Length)
            {
                throw new CelSyntaxException(start, $"token recognition error at: '{Excerpt(start)}'");
            }
            var c = source[_pos];
            if (c == quote && (!triple || (_pos + 2 < source.Length && source[_pos + 1] == quote && source[_pos + 2] == quote)))
            {
                _pos += triple ? 3 : 1;
                break;
            }
            if (!triple && c is '\n' or '\r')
            {
                throw new CelSyntaxException(start, $"token recognition error at: '{Excerpt(start)}'");
            }
            if (c == '\\' && !raw)
            {
                Escape(start, bytes, text, data);
                continue;
            }
            // Ordinary characters, including surrogate pairs, go in as they are (bytes as UTF-8).
            var len = char.IsHighSurrogate(c) && _pos + 1 < source.Length ? 2 : 1;
            if (data != null)
            {
                data.AddRange(Encoding.UTF8.GetBytes(source.Substring(_pos, len)));
            }
            else
            {
                text.Append(source, _pos, len);
            }
            _pos += len;
        }
        var tokenText = source[start.._pos];
        return data != null
            ? new Token(TokenKind.Bytes, start, tokenText, data.ToArray())
            : new Token(TokenKind.String, start, tokenText, text.ToString());
    }

    private string Excerpt(int start) => source[start..Math.Min(source.Length, _pos + 1)];

    private void Escape(int start, bool bytes, StringBuilder text, List<byte>? data)
    {
        var escStart = _pos;
        _pos++;
        if (_pos >= source.Length)
        {
            throw new CelSyntaxException(start, $"token recognition error at: '{Excerpt(start)}'");
        }
        var e = source[_pos++];
        int value;
        var isByte = false;
        switch (e)
        {
            case 'a': value = 7; break;
            case 'b': value = 8; break;
            case 'f': value = 12; break;
            case 'n': value = 10; break;
            case 'r': value = 13; break;
            case 't': value = 9; break;
            case 'v': value = 11; break;
            case '\\' or '\'' or '"' or '`' or '?': value = e; break;
            case 'x' or 'X': value = Hex(start, 2); isByte = true; break;
            case 'u' when !bytes: value = Hex(start, 4); break;
            case 'U' when !bytes: value = Hex(start, 8); break;
            case >= '0' and <= '3':
                if (_pos + 1 >= source.Length || source[_pos] is < '0' or > '7' || source[_pos + 1] is < '0' or > '7')
                {
                    throw new CelSyntaxException(escStart, $"token recognition error at: '{source[escStart..Math.Min(source.Length, _pos + 1)]}'");
                }
                value = ((e - '0') * 64) + ((source[_pos] - '0') * 8) + (source[_pos + 1] - '0');
                _pos += 2;
                isByte = true;
                break;
            default:
                throw new CelSyntaxException(escStart, $"token recognition error at: '{source[escStart.._pos]}'");
        }
        if (data != null)
        {
            if (isByte || value < 0x80)
            {
                data.Add((byte)value);
            }
            else
            {
                data.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(value)));
            }
            return;
        }
        if (value is >= 0xD800 and <= 0xDFFF || value > 0x10FFFF)
        {
            throw new CelSyntaxException(escStart, "invalid unicode code point");
        }
        text.Append(char.ConvertFromUtf32(value));
    }

    private int Hex(int start, int digits)
    {
        if (_pos + digits > source.Length)
        {
            throw new CelSyntaxException(start, $"token recognition error at: '{Excerpt(start)}'");
        }
        var hex = source.Substring(_pos, digits);
        if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) || hex.Any(ch => !char.IsAsciiHexDigit(ch)))
        {
            throw new CelSyntaxException(start, $"token recognition error at: '{Excerpt(start)}'");
        }
        _pos += digits;
        return v;
    }
}
