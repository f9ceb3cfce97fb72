using Timonel.Api.Errors;

namespace Timonel.Api.Selectors;

/// <summary>
/// How long a selector's text may be. Upstream has no limit of its own: a selector is bounded by
/// the request line (Go's 1 MiB header limit there, Kestrel's 8 KiB request line and 16 KiB HTTP/2
/// header field here). This bound is at least as large as any selector a URL can carry, so no
/// HTTP client meets it; it protects callers that parse selectors from elsewhere.
/// </summary>
public static class SelectorLimits
{
    /// <summary>The most characters a label or field selector may have (16 KiB).</summary>
    public const int MaxLength = 16 * 1024;

    /// <summary>
    /// Throws ApiException 400 when <paramref name="text"/> is longer than <see cref="MaxLength"/>
    /// or holds a NUL. Upstream's lexer takes a NUL where a token starts for the end of the input,
    /// so "%00" selects everything there, and a DELETE of a collection with it deletes every
    /// object: no selector needs a NUL, so here it is refused before it can select anything.
    /// </summary>
    internal static void Check(string parameter, string text)
    {
        if (text.Length > MaxLength)
        {
            throw ApiException.BadRequest($"{parameter} is too long: {text.Length} characters, at most {MaxLength} are accepted");
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw ApiException.BadRequest($"{parameter} holds a NUL character (at {text.IndexOf('\0', StringComparison.Ordinal)}): a selector may not contain one");
        }
    }
}
