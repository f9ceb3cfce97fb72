using System.Text;
using Microsoft.AspNetCore.Http;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// The warnings of one request, written as <c>Warning: 299 - "text"</c> response headers the
/// moment they are recorded (so before any store write, and on error responses too), the way
/// upstream's warning recorder (k8s.io/apiserver/pkg/endpoints/filters/warning.go) does:
/// identical texts are sent once; once the texts add up to more than 4096 characters every
/// text is cut to 256 characters and the headers are written again; once that total is
/// reached too, further warnings are dropped. So a body with 20,000 unknown fields costs a
/// few kilobytes of headers, not 20,000 of them.
/// </summary>
/// <remarks>
/// As upstream's NewWarningHeader, a text is quoted with <c>"</c> and <c>\</c> escaped and is
/// otherwise sent as UTF-8 (Kestrel is told to encode Warning that way); a text with a control
/// character or a broken surrogate pair cannot be a header value and is not sent.
/// </remarks>
internal sealed class WarningRecorder(IHeaderDictionary? headers = null)
{
    /// <summary>Upstream's truncateAtTotalRunes.</summary>
    public const int TotalChars = 4 * 1024;

    /// <summary>Upstream's truncateItemRunes.</summary>
    public const int ItemChars = 256;

    private const string HeaderName = "Warning";

    private readonly HashSet<string> _recorded = new(StringComparer.Ordinal);
    private readonly List<string> _ordered = [];
    private readonly List<string> _values = [];
    private int _written;
    private bool _truncating;

    /// <summary>The Warning header values so far, in the order they were recorded.</summary>
    public IReadOnlyList<string> Values => _values;

    public void Add(string text)
    {
        if (text.Length == 0 || _truncating && _written >= TotalChars || !_recorded.Add(text))
        {
            return;
        }

        _ordered.Add(text);
        var length = RuneCount(text);
        if (_truncating && length > ItemChars)
        {
            (text, length) = (Truncate(text), ItemChars);
        }

        if (Header(text) is not { } header)
        {
            return;
        }

        if (_truncating || _written + length <= TotalChars)
        {
            _written += length;
            Write(header);
            return;
        }

        // Over the total: start again with every text cut short, as upstream replays them.
        _truncating = true;
        _written = 0;
        _values.Clear();
        headers?.Remove(HeaderName);
        foreach (var recorded in _ordered)
        {
            var cut = RuneCount(recorded) > ItemChars ? Truncate(recorded) : recorded;
            if (Header(cut) is { } value)
            {
                _written += RuneCount(cut);
                Write(value);
            }
        }
    }

    private void Write(string value)
    {
        _values.Add(value);
        headers?.Append(HeaderName, value);
    }

    /// <summary>upstream's NewWarningHeader(299, "-", text): null when the text cannot be sent.</summary>
    private static string? Header(string text)
    {
        var quoted = new StringBuilder(text.Length + 8).Append("299 - \"");
        foreach (var rune in Runes(text))
        {
            if (rune is null || Rune.IsControl(rune.Value))
            {
                return null;
            }

            if (rune.Value.Value is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(rune.Value.ToString());
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>The characters of <paramref name="text"/> as Unicode scalars; null for a broken surrogate pair.</summary>
    private static IEnumerable<Rune?> Runes(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                yield return null;
                yield break;
            }

            yield return rune;
            i += used;
        }
    }

    private static int RuneCount(string text) => Runes(text).Count();

    private static string Truncate(string text) => string.Concat(Runes(text).Take(ItemChars).Select(r => r?.ToString() ?? "\uFFFD"));
}
