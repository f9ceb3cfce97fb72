using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Requests that stay open (upstream's default --long-running-request-regexp and verbs): watches,
/// proxies, logs, exec, attach and port forwarding. Audit gives them a ResponseStarted event.
/// </summary>
internal static class LongRunningRequests
{
    public static bool Is(RequestAttributes attributes) =>
        attributes.Verb is "watch" or "proxy"
        || attributes.Subresource is "proxy" or "log" or "exec" or "attach" or "portforward";
}
