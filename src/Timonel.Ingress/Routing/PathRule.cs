namespace Timonel.Ingress.Routing;

/// <summary>How a rule's path compares with a request's (ImplementationSpecific is served as Prefix).</summary>
public enum PathKind
{
    Exact,
    Prefix,
}

/// <summary>One path of one host: the path, how it matches, where it goes and which Ingress said so.</summary>
public sealed record PathRule(string Path, PathKind Kind, Backend Backend, string Ingress)
{
    /// <summary>
    /// Upstream's rule: Exact compares the whole path, case-sensitively; Prefix compares
    /// '/'-separated elements, so /foo matches /foo, /foo/ and /foo/bar but not /foobar, and a
    /// trailing '/' in the rule is ignored.
    /// </summary>
    public bool Matches(string requestPath)
    {
        if (Kind == PathKind.Exact)
        {
            return string.Equals(Path, requestPath, StringComparison.Ordinal);
        }

        // A span: the trimmed rule is not allocated per request.
        var prefix = Path.AsSpan().TrimEnd('/');
        if (prefix.IsEmpty)
        {
            return true;
        }

        return requestPath.AsSpan().StartsWith(prefix, StringComparison.Ordinal)
            && (requestPath.Length == prefix.Length || requestPath[prefix.Length] == '/');
    }

    /// <summary>The length precedence compares: a Prefix's trailing '/' does not make it longer.</summary>
    public int MatchLength => Kind == PathKind.Exact ? Path.Length : Path.AsSpan().TrimEnd('/').Length;
}
