using System.Globalization;
using System.Text;

namespace Timonel.Cel.Tests.Conformance;

/// <summary>
/// A reader for the subset of protobuf text format that cel-spec's simple tests use: fields with scalar
/// or message values, C-escaped strings (octal and hex bytes), `[extension/names]`, comments.
/// </summary>
internal sealed class TextProto
{
    public List<(string Name, object Value)> Fields { get; } = [];

    public IEnumerable<TextProto> Messages(string name) => Fields.Where(f => f.Name == name).Select(f => f.Value).OfType<TextProto>();

    public TextProto? Message(string name) => Messages(name).FirstOrDefault();

    /// <summary>A scalar field: strings as byte arrays (protobuf strings are bytes), other tokens as text.</summary>
    public object? Scalar(string name) => Fields.FirstOrDefault(f => f.Name == name && f.Value is not TextProto).Value;

    public string? String(string name) => Scalar(name) switch
    {
        byte[] b => Encoding.UTF8.GetString(b),
        string s => s,
        _ => null,
    };

    public static TextProto Parse(string text)
    {
        var pos = 0;
        return ParseFields(text, ref pos, '\0');
    }

    private static TextProto ParseFields(string t, ref int pos, char close)
    {
        var msg = new TextProto();
        while (true)
        {
            Skip(t, ref pos);
            if (pos >= t.Length || t[pos] == close)
            {
                pos++;
                return msg;
            }
            string name;
            if (t[pos] == '[')
            {
                var end = t.IndexOf(']', pos);
                name = t[pos..(end + 1)];
                pos = end + 1;
            }
            else
            {
                var start = pos;
                while (pos < t.Length && (char.IsLetterOrDigit(t[pos]) || t[pos] == '_'))
                {
                    pos++;
                }
                name = t[start..pos];
            }
            Skip(t, ref pos);
            if (t[pos] == ':')
            {
                pos++;
                Skip(t, ref pos);
            }
            if (t[pos] is '{' or '<')
            {
                var c = t[pos] == '{' ? '}' : '>';
                pos++;
                msg.Fields.Add((name, ParseFields(t, ref pos, c)));
            }
            else if (t[pos] is '"' or '\'')
            {
                var bytes = new List<byte>();
                while (pos < t.Length && t[pos] is '"' or '\'')
                {
                    bytes.AddRange(ParseString(t, ref pos));
                    Skip(t, ref pos);
                }
                msg.Fields.Add((name, bytes.ToArray()));
            }
            else
            {
                var start = pos;
                while (pos < t.Length && !char.IsWhiteSpace(t[pos]) && t[pos] is not (',' or ';' or '}' or '>' or '#'))
                {
                    pos++;
                }
                msg.Fields.Add((name, t[start..pos]));
            }
            Skip(t, ref pos);
            if (pos < t.Length && t[pos] is ',' or ';')
            {
                pos++;
            }
        }
    }

    private static void Skip(string t, ref int pos)
    {
        while (pos < t.Length)
        {
            if (char.IsWhiteSpace(t[pos]))
            {
                pos++;
            }
            else if (t[pos] == '#')
            {
                while (pos < t.Length && t[pos] != '\n')
                {
                    pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private static byte[] ParseString(string t, ref int pos)
    {
        var quote = t[pos++];
        var bytes = new List<byte>();
        while (t[pos] != quote)
        {
            var c = t[pos];
            if (c != '\\')
            {
                var len = char.IsHighSurrogate(c) ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(t.Substring(pos, len)));
                pos += len;
                continue;
            }
            var e = t[pos + 1];
            pos += 2;
            switch (e)
            {
                case 'n': bytes.Add(10); break;
                case 'r': bytes.Add(13); break;
                case 't': bytes.Add(9); break;
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'v': bytes.Add(11); break;
                case 'x':
                    var hs = pos;
                    while (pos < t.Length && pos - hs < 2 && char.IsAsciiHexDigit(t[pos]))
                    {
                        pos++;
                    }
                    bytes.Add(byte.Parse(t[hs..pos], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    break;
                case >= '0' and <= '7':
                    var v = e - '0';
                    for (var i = 0; i < 2 && t[pos] is >= '0' and <= '7'; i++)
                    {
                        v = (v * 8) + (t[pos++] - '0');
                    }
                    bytes.Add((byte)v);
                    break;
                case 'u' or 'U':
                    var n = e == 'u' ? 4 : 8;
                    bytes.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(int.Parse(t.Substring(pos, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture))));
                    pos += n;
                    break;
                default: bytes.Add((byte)e); break;
            }
        }
        pos++;
        return [.. bytes];
    }
}
