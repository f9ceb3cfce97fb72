using System.Net.Http.Headers;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Aggregation;

/// <summary>
/// The headers with which the aggregator tells a backend who is asking (upstream's
/// X-Remote-User / X-Remote-Group / X-Remote-Extra-KEY, the key escaped as upstream's), after
/// removing the client's own credentials and any identity headers it sent: the backend trusts
/// these because they come with the front-proxy certificate, so a client must never set them.
/// </summary>
internal static class ProxyHeaders
{
    public const string User = "X-Remote-User";
    public const string Group = "X-Remote-Group";
    public const string ExtraPrefix = "X-Remote-Extra-";

    public static void Apply(HttpRequestHeaders headers, UserInfo user)
    {
        foreach (var name in headers.Select(h => h.Key).ToList())
        {
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("X-Remote-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith(RepeatedHeaderStream.Marker, StringComparison.OrdinalIgnoreCase))
            {
                headers.Remove(name);
            }
        }

        headers.TryAddWithoutValidation(User, user.Name);
        AddLines(headers, Group, user.Groups);
        foreach (var (key, values) in user.Extra)
        {
            AddLines(headers, ExtraPrefix + EscapeExtraKey(key), values);
        }
    }

    private static void AddLines(HttpRequestHeaders headers, string name, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            headers.TryAddWithoutValidation(RepeatedHeaderStream.Marked(name, i), values[i]);
        }
    }

    /// <summary>Percent-encodes what may not stand in a header name, as upstream's headerKeyEscape (legal token characters stay).</summary>
    public static string EscapeExtraKey(string key)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            var c = (char)b;
            if (b < 0x80 && c != '%' && (char.IsAsciiLetterOrDigit(c) || "!#$&'*+-.^_`|~".Contains(c)))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
