using System.Collections.Frozen;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Where a request without credentials is <see cref="UserInfo.Anonymous"/> rather than 401:
/// the health and version endpoints, as kube-apiserver's anonymous authenticator configured with
/// path conditions (its AuthenticationConfiguration's anonymous.conditions). Authorization still
/// decides: upstream's policy grants them to system:unauthenticated via system:public-info-viewer.
/// Credentials that fail (a bad token, a certificate of another CA) stay 401 everywhere, as
/// upstream's anonymous authenticator runs only when no other authenticator objected.
/// </summary>
public static class AnonymousEndpoints
{
    private static readonly FrozenSet<string> Paths = new[] { "/livez", "/readyz", "/healthz", "/version" }.ToFrozenSet(StringComparer.Ordinal);

    public static bool Allows(string? path) => path is not null && Paths.Contains(path);
}
