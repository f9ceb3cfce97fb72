using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.ServiceAccounts;

/// <summary>The claims of a legacy (secret-based, non-expiring) service-account token.</summary>
public sealed record LegacyTokenClaims(string Namespace, string SecretName, string ServiceAccountName, string ServiceAccountUid, string Subject);

/// <summary>
/// Upstream's legacy service-account tokens: what the serviceaccount-token controller puts in a
/// kubernetes.io/service-account-token Secret. They never expire and carry flat private claims
/// ("kubernetes.io/serviceaccount/...") under the fixed issuer "kubernetes/serviceaccount";
/// they are signed with the same key as bound tokens.
/// </summary>
public static class LegacyServiceAccountToken
{
    public const string Issuer = "kubernetes/serviceaccount";

    /// <summary>Set by the API server to the day (UTC, yyyy-MM-dd) a legacy token was last used.</summary>
    public const string LastUsedLabel = "kubernetes.io/legacy-token-last-used";

    /// <summary>Set by legacy-serviceaccount-token-cleaner to the day a long-unused token stopped being accepted.</summary>
    public const string InvalidSinceLabel = "kubernetes.io/legacy-token-invalid-since";

    /// <summary>The labels' date layout (Go's "2006-01-02").</summary>
    public const string DateFormat = "yyyy-MM-dd";

    private const string Prefix = "kubernetes.io/serviceaccount/";
    private const string NamespaceClaim = Prefix + "namespace";
    private const string SecretNameClaim = Prefix + "secret.name";
    private const string AccountNameClaim = Prefix + "service-account.name";
    private const string AccountUidClaim = Prefix + "service-account.uid";

    /// <summary>The claims upstream's legacy token generator writes, in its layout.</summary>
    public static JsonObject ToJson(string ns, string serviceAccountName, string serviceAccountUid, string secretName) => new()
    {
        ["iss"] = Issuer,
        [NamespaceClaim] = ns,
        [SecretNameClaim] = secretName,
        [AccountNameClaim] = serviceAccountName,
        [AccountUidClaim] = serviceAccountUid,
        ["sub"] = ServiceAccountClaims.UserName(ns, serviceAccountName),
    };

    /// <summary>The claims of a verified legacy token, or null when one is missing or not a string.</summary>
    public static LegacyTokenClaims? FromJson(JsonObject claims) =>
        Str(claims[NamespaceClaim]) is { Length: > 0 } ns
        && Str(claims[SecretNameClaim]) is { Length: > 0 } secret
        && Str(claims[AccountNameClaim]) is { Length: > 0 } account
        && Str(claims[AccountUidClaim]) is { Length: > 0 } uid
        && Str(claims["sub"]) is { Length: > 0 } sub
            ? new LegacyTokenClaims(ns, secret, account, uid, sub)
            : null;

    /// <summary><paramref name="at"/> as the labels write it (UTC day).</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static string? Str(JsonNode? node) => JsonAccess.AsString(node);
}

/// <summary>Signs legacy tokens with the cluster's service-account key (what the controller manager is given to fill token Secrets).</summary>
public sealed class LegacyTokenSigner(ECDsa serviceAccountKey)
{
    private readonly ServiceAccountIssuer _issuer = new(serviceAccountKey, LegacyServiceAccountToken.Issuer, []);

    public string Sign(string ns, string serviceAccountName, string serviceAccountUid, string secretName) =>
        _issuer.Sign(LegacyServiceAccountToken.ToJson(ns, serviceAccountName, serviceAccountUid, secretName));
}
