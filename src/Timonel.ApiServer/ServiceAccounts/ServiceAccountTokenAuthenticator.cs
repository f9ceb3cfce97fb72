using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.ServiceAccounts;

/// <summary>
/// Accepts the bound service-account tokens this cluster signs (TokenRequest): a valid ES256
/// signature by the shared key, this issuer, not expired, an audience the API server accepts,
/// and the ServiceAccount (and the pod or secret the token is bound to) still existing with the
/// UID the token names. The user is system:serviceaccount:&lt;ns&gt;:&lt;name&gt; in
/// system:serviceaccounts, system:serviceaccounts:&lt;ns&gt; and system:authenticated.
/// </summary>
internal sealed class ServiceAccountTokenAuthenticator(ServiceAccountIssuer issuer, ObjectStore objects, ResourceCatalog catalog, TimeProvider time) : IAudienceAwareTokenAuthenticator
{
    /// <summary>Clock skew tolerated between the signing and the verifying server (go-jose's default leeway).</summary>
    public static readonly TimeSpan Leeway = TimeSpan.FromMinutes(1);

    /// <summary>A token bound to an object stays valid this long after the object's deletion time, as upstream allows.</summary>
    public static readonly TimeSpan DeletionGrace = TimeSpan.FromMinutes(1);

    private readonly ApiResource _serviceAccounts = catalog.Find("", "v1", "serviceaccounts")!;
    private readonly ApiResource _pods = catalog.Find("", "v1", "pods")!;
    private readonly ApiResource _secrets = catalog.Find("", "v1", "secrets")!;

    public ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken ct)
    {
        // Cheap rejection first: the admin and join tokens are not JWTs.
        if (Claims(token) is not { } claims)
        {
            return ValueTask.FromResult<UserInfo?>(null);
        }

        return UserOfAsync(claims, issuer.ApiAudiences, ct);
    }

    /// <summary>For a TokenReview: the token judged for <paramref name="audiences"/> (the API server's when empty), with the audiences it is valid for.</summary>
    public async ValueTask<TokenAuthentication> AuthenticateTokenAsync(string token, IReadOnlyList<string> audiences, CancellationToken ct)
    {
        if (Claims(token) is not { } claims)
        {
            return TokenAuthentication.None;
        }

        var target = audiences.Count == 0 ? issuer.ApiAudiences : audiences;
        var matched = target.Where(claims.Audiences.Contains).ToList();
        if (matched.Count == 0)
        {
            return new TokenAuthentication(null, [], $"token audiences {GoList(claims.Audiences)} is invalid for the target audiences {GoList(target)}");
        }

        var user = await UserOfAsync(claims, matched, ct).ConfigureAwait(false);
        return user is null ? new TokenAuthentication(null, [], "service account token is not valid: expired, not yet valid, or its service account, pod or secret is gone") : new TokenAuthentication(user, matched);
    }

    private ServiceAccountClaims? Claims(string token) =>
        token.Length < 16 || !token.StartsWith("eyJ", StringComparison.Ordinal) || issuer.Verify(token) is not { } json ? null : ServiceAccountClaims.FromJson(json);

    private static string GoList(IEnumerable<string> values) => "[" + string.Join(" ", values.Select(v => $"\"{v}\"")) + "]";

    private async ValueTask<UserInfo?> UserOfAsync(ServiceAccountClaims claims, IReadOnlyList<string> audiences, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now >= claims.Expires + Leeway || (claims.NotBefore ?? claims.IssuedAt) > now + Leeway)
        {
            return null;
        }

        if (!claims.Audiences.Any(audiences.Contains) || claims.SubjectClaim != claims.Subject)
        {
            return null;
        }

        if (!await IsLiveAsync(_serviceAccounts, claims.Namespace, claims.ServiceAccount, now, ct).ConfigureAwait(false)
            || (claims.Pod is { } pod && !await IsLiveAsync(_pods, claims.Namespace, pod, now, ct).ConfigureAwait(false))
            || (claims.Secret is { } secret && !await IsLiveAsync(_secrets, claims.Namespace, secret, now, ct).ConfigureAwait(false)))
        {
            return null;
        }

        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (claims.Pod is { } p)
        {
            extra["authentication.kubernetes.io/pod-name"] = [p.Name];
            extra["authentication.kubernetes.io/pod-uid"] = [p.Uid];
        }

        if (claims.Node is { } n)
        {
            extra["authentication.kubernetes.io/node-name"] = [n.Name];
            extra["authentication.kubernetes.io/node-uid"] = [n.Uid];
        }

        if (claims.Id.Length > 0)
        {
            extra["authentication.kubernetes.io/credential-id"] = ["JTI=" + claims.Id];
        }

        return UserInfo.Authenticated(claims.Subject, [ServiceAccountClaims.AllGroup, $"{ServiceAccountClaims.AllGroup}:{claims.Namespace}"]) with
        {
            Uid = claims.ServiceAccount.Uid,
            Extra = extra,
        };
    }

    /// <summary>The object exists with the token's UID and was not deleted more than a minute ago.</summary>
    private async Task<bool> IsLiveAsync(ApiResource resource, string ns, ObjectRef expected, DateTimeOffset now, CancellationToken ct)
    {
        var stored = await objects.GetAsync(resource, ns, expected.Name, ct).ConfigureAwait(false);
        if (stored is null || ObjectMetaAccess.Uid(stored.Object) != expected.Uid)
        {
            return false;
        }

        return JsonAccess.AsString(stored.Object["metadata"]?["deletionTimestamp"]) is not { } deleted
            || !DateTimeOffset.TryParse(deleted, System.Globalization.CultureInfo.InvariantCulture, out var at)
            || at + DeletionGrace > now;
    }
}
