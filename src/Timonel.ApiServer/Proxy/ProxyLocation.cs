namespace Timonel.ApiServer.Proxy;

/// <summary>
/// Where a proxy request goes: the backend's scheme and authority (no path: the proxied path is
/// appended), the invoker that reaches it, and what it is, for error messages.
/// </summary>
internal sealed record ProxyLocation(string Scheme, string Authority, HttpMessageInvoker Invoker, string Describe)
{
    public static string HostPort(string host, int? port)
    {
        var bracketed = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return port is { } p ? $"{bracketed}:{p}" : bracketed;
    }
}
