using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Timonel.Ingress.Gateway.Model;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>How an HTTPRoute match compares paths.</summary>
public enum GatewayPathKind
{
    Exact,
    Prefix,
    RegularExpression,
}

/// <summary>
/// One compiled HTTPRouteMatch: path, headers, query parameters and method, all of which must
/// hold. Header names ignore case, values do not; a repeated header is compared as its values
/// joined by ","; a repeated query parameter by its first value (as upstream says).
/// </summary>
public sealed class RequestMatch
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);
    private readonly Regex? _pathRegex;
    private readonly (string Name, string Value, Regex? Regex)[] _headers;
    private readonly (string Name, string Value, Regex? Regex)[] _query;

    private RequestMatch(GatewayPathKind kind, string path, Regex? pathRegex, (string, string, Regex?)[] headers, (string, string, Regex?)[] query, string? method)
    {
        PathKind = kind;
        Path = path;
        _pathRegex = pathRegex;
        _headers = headers;
        _query = query;
        Method = method;
    }

    public GatewayPathKind PathKind { get; }

    public string Path { get; }

    public string? Method { get; }

    public int HeaderCount => _headers.Length;

    public int QueryCount => _query.Length;

    /// <summary>Compiles <paramref name="match"/> (null: PathPrefix "/"); throws ArgumentException with a message for the route's status when a regular expression does not parse.</summary>
    public static RequestMatch Compile(V1HttpRouteMatch? match)
    {
        var type = match?.Path?.Type ?? "PathPrefix";
        var value = string.IsNullOrEmpty(match?.Path?.Value) ? "/" : match.Path.Value;
        var kind = type switch
        {
            "Exact" => GatewayPathKind.Exact,
            "PathPrefix" => GatewayPathKind.Prefix,
            "RegularExpression" => GatewayPathKind.RegularExpression,
            _ => throw new ArgumentException($"path match type {type} is not supported"),
        };
        var regex = kind == GatewayPathKind.RegularExpression ? Anchored(value, "path") : null;
        return new RequestMatch(kind, value, regex, Values(match?.Headers, "header"), Values(match?.QueryParams, "query parameter"), string.IsNullOrEmpty(match?.Method) ? null : match.Method);
    }

    public bool Matches(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Method is not null && !string.Equals(Method, request.Method, StringComparison.Ordinal))
        {
            return false;
        }

        var path = request.Path.HasValue ? request.Path.Value! : "/";
        if (!PathMatches(path))
        {
            return false;
        }

        foreach (var (name, value, regex) in _headers)
        {
            if (!request.Headers.TryGetValue(name, out var values) || !ValueMatches(string.Join(',', values.ToArray()), value, regex))
            {
                return false;
            }
        }

        foreach (var (name, value, regex) in _query)
        {
            if (!request.Query.TryGetValue(name, out var values) || values.Count == 0 || !ValueMatches(values[0] ?? "", value, regex))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Upstream's rule: Exact compares the whole path; PathPrefix compares '/'-separated elements
    /// (/foo takes /foo, /foo/ and /foo/bar, not /foobar; a trailing '/' in the match is ignored);
    /// RegularExpression must match the whole path.
    /// </summary>
    public bool PathMatches(string path) => PathKind switch
    {
        GatewayPathKind.Exact => string.Equals(Path, path, StringComparison.Ordinal),
        GatewayPathKind.RegularExpression => SafeIsMatch(_pathRegex!, path),
        _ => PrefixMatches(Path, path),
    };

    /// <summary>The prefix with its trailing '/' dropped ("" for "/"): what ReplacePrefixMatch replaces.</summary>
    public string TrimmedPrefix => Path.TrimEnd('/');

    private static bool PrefixMatches(string prefix, string path)
    {
        prefix = prefix.TrimEnd('/');
        return prefix.Length == 0
            || (path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/'));
    }

    private static bool ValueMatches(string actual, string expected, Regex? regex) =>
        regex is null ? string.Equals(actual, expected, StringComparison.Ordinal) : SafeIsMatch(regex, actual);

    private static bool SafeIsMatch(Regex regex, string input)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological expression never stalls the proxy: it just does not match.
            return false;
        }
    }

    private static (string, string, Regex?)[] Values(IList<V1HttpValueMatch>? matches, string what) =>
        [.. (matches ?? []).Select(m => (m.Name, m.Value, m.Type == "RegularExpression" ? Anchored(m.Value, $"{what} {m.Name}") : null))];

    private static Regex Anchored(string pattern, string what)
    {
        try
        {
            return new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{what} regular expression \"{pattern}\" does not parse: {e.Message}", e);
        }
    }
}
