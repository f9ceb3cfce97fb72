using System.Text;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// Rewrites the URL-valued attributes of an HTML page (a href, img src, form action, ... the
/// table of upstream's proxy transport) through a URL rewriter, keeping every other byte of the
/// page as it was. Comments and the text of script and style elements are left alone. Values
/// keep their character references: only the path's front changes.
/// </summary>
internal static class ProxyHtmlRewriter
{
    private static readonly Dictionary<string, string[]> UrlAttributes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["a"] = ["href"], ["applet"] = ["codebase"], ["area"] = ["href"], ["audio"] = ["src"], ["base"] = ["href"],
        ["blockquote"] = ["cite"], ["body"] = ["background"], ["button"] = ["formaction"], ["command"] = ["icon"],
        ["del"] = ["cite"], ["embed"] = ["src"], ["form"] = ["action"], ["frame"] = ["longdesc", "src"], ["head"] = ["profile"],
        ["html"] = ["manifest"], ["iframe"] = ["longdesc", "src"], ["img"] = ["longdesc", "src", "usemap"],
        ["input"] = ["src", "usemap", "formaction"], ["ins"] = ["cite"], ["link"] = ["href"],
        ["object"] = ["classid", "codebase", "data", "usemap"], ["q"] = ["cite"], ["script"] = ["src"], ["source"] = ["src"],
        ["video"] = ["poster", "src"],
    };

    public static string Rewrite(string html, Func<string, string> rewriteUrl)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(rewriteUrl);
        var output = new StringBuilder(html.Length + 256);
        var i = 0;
        while (i < html.Length)
        {
            var open = html.IndexOf('<', i);
            if (open < 0)
            {
                output.Append(html, i, html.Length - i);
                break;
            }

            output.Append(html, i, open - i);
            if (string.CompareOrdinal(html, open, "<!--", 0, 4) == 0)
            {
                var end = html.IndexOf("-->", open + 4, StringComparison.Ordinal);
                end = end < 0 ? html.Length : end + 3;
                output.Append(html, open, end - open);
                i = end;
                continue;
            }

            var nameEnd = open + 1;
            while (nameEnd < html.Length && char.IsAsciiLetterOrDigit(html[nameEnd]))
            {
                nameEnd++;
            }

            if (nameEnd == open + 1 || !char.IsAsciiLetter(html[open + 1]))
            {
                // An end tag, a doctype or a stray '<': text as far as links go.
                output.Append('<');
                i = open + 1;
                continue;
            }

            var tag = html[(open + 1)..nameEnd];
            output.Append(html, open, nameEnd - open);
            i = RewriteAttributes(html, nameEnd, UrlAttributes.GetValueOrDefault(tag), rewriteUrl, output);
            if (tag.Equals("script", StringComparison.OrdinalIgnoreCase) || tag.Equals("style", StringComparison.OrdinalIgnoreCase))
            {
                var close = html.IndexOf("</" + tag, i, StringComparison.OrdinalIgnoreCase);
                close = close < 0 ? html.Length : close;
                output.Append(html, i, close - i);
                i = close;
            }
        }

        return output.ToString();
    }

    /// <summary>Copies a start tag's attributes up to and including its '>', rewriting the listed ones; returns where the tag ended.</summary>
    private static int RewriteAttributes(string html, int i, string[]? urlAttributes, Func<string, string> rewriteUrl, StringBuilder output)
    {
        while (i < html.Length && html[i] != '>')
        {
            if (char.IsWhiteSpace(html[i]) || html[i] == '/')
            {
                output.Append(html[i++]);
                continue;
            }

            var nameStart = i;
            while (i < html.Length && !char.IsWhiteSpace(html[i]) && html[i] is not ('=' or '>' or '/'))
            {
                i++;
            }

            var name = html[nameStart..i];
            output.Append(name);
            var equals = i;
            while (equals < html.Length && char.IsWhiteSpace(html[equals]))
            {
                equals++;
            }

            if (equals >= html.Length || html[equals] != '=')
            {
                continue;
            }

            output.Append(html, i, equals - i + 1);
            i = equals + 1;
            while (i < html.Length && char.IsWhiteSpace(html[i]))
            {
                output.Append(html[i++]);
            }

            var rewrite = urlAttributes is not null && urlAttributes.Contains(name, StringComparer.OrdinalIgnoreCase);
            if (i < html.Length && html[i] is '"' or '\'')
            {
                var quote = html[i];
                var close = html.IndexOf(quote, i + 1);
                var value = html[(i + 1)..(close < 0 ? html.Length : close)];
                output.Append(quote).Append(rewrite ? rewriteUrl(value) : value);
                if (close >= 0)
                {
                    output.Append(quote);
                }

                i = close < 0 ? html.Length : close + 1;
            }
            else
            {
                var valueStart = i;
                while (i < html.Length && !char.IsWhiteSpace(html[i]) && html[i] != '>')
                {
                    i++;
                }

                var value = html[valueStart..i];
                output.Append(rewrite ? rewriteUrl(value) : value);
            }
        }

        if (i < html.Length)
        {
            output.Append('>');
            i++;
        }

        return i;
    }
}
