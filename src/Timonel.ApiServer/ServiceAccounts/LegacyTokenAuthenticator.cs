using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.ServiceAccounts;

/// <summary>
/// Accepts legacy service-account tokens (iss "kubernetes/serviceaccount", the ones the
/// serviceaccount-token controller puts in Secrets) as upstream's legacy validator does: the
/// Secret named in the token must still exist and hold this very token, the ServiceAccount must
/// exist with the token's UID, and the Secret must not carry
/// kubernetes.io/legacy-token-invalid-since. Each use stamps the Secret's
/// kubernetes.io/legacy-token-last-used label with today's date, at most once a day.
/// </summary>
internal sealed partial class LegacyTokenAuthenticator(
    ServiceAccountIssuer legacyIssuer,
    IReadOnlyList<string> apiAudiences,
    ObjectStore objects,
    GuaranteedUpdater updater,
    ResourceCatalog catalog,
    TimeProvider time,
    ILogger logger) : IAudienceAwareTokenAuthenticator
{
    private readonly ApiResource _serviceAccounts = catalog.Find("", "v1", "serviceaccounts")!;
    private readonly ApiResource _secrets = catalog.Find("", "v1", "secrets")!;

    public async ValueTask<UserInfo?> AuthenticateTokenAsync(string token, CancellationToken ct) =>
        Claims(token) is { } claims ? (await ValidateAsync(token, claims, ct).ConfigureAwait(false)).User : null;

    /// <summary>Legacy tokens have no audience: they are good for the API server's own audiences only (upstream's audience-agnostic wrapper).</summary>
    public async ValueTask<TokenAuthentication> AuthenticateTokenAsync(string token, IReadOnlyList<string> audiences, CancellationToken ct)
    {
        if (Claims(token) is not { } claims)
        {
            return TokenAuthentication.None;
        }

        var matched = audiences.Count == 0 ? apiAudiences : [.. audiences.Where(apiAudiences.Contains)];
        if (matched.Count == 0)
        {
            return new TokenAuthentication(null, [], "token audiences is invalid for the target audiences");
        }

        var (user, error) = await ValidateAsync(token, claims, ct).ConfigureAwait(false);
        return user is null ? new TokenAuthentication(null, [], error) : new TokenAuthentication(user, matched);
    }

    private LegacyTokenClaims? Claims(string token) =>
        token.Length < 16 || !token.StartsWith("eyJ", StringComparison.Ordinal) || legacyIssuer.Verify(token) is not { } json ? null : LegacyServiceAccountToken.FromJson(json);

    private async Task<(UserInfo? User, string? Error)> ValidateAsync(string token, LegacyTokenClaims claims, CancellationToken ct)
    {
        if (claims.Subject != ServiceAccountClaims.UserName(claims.Namespace, claims.ServiceAccountName))
        {
            return (null, "sub claim is invalid");
        }

        var now = time.GetUtcNow();
        var secret = await objects.GetAsync(_secrets, claims.Namespace, claims.SecretName, ct).ConfigureAwait(false);
        if (secret is null || DeletedBefore(secret.Object, now - ServiceAccountTokenAuthenticator.DeletionGrace))
        {
            return (null, "token has been invalidated");
        }

        if (!HoldsToken(secret.Object, token))
        {
            return (null, "token does not match server's copy");
        }

        var account = await objects.GetAsync(_serviceAccounts, claims.Namespace, claims.ServiceAccountName, ct).ConfigureAwait(false);
        if (account is null || DeletedBefore(account.Object, now - ServiceAccountTokenAuthenticator.DeletionGrace))
        {
            return (null, $"ServiceAccount {claims.Namespace}/{claims.ServiceAccountName} has been deleted");
        }

        if (ObjectMetaAccess.Uid(account.Object) != claims.ServiceAccountUid)
        {
            return (null, $"ServiceAccount UID ({ObjectMetaAccess.Uid(account.Object)}) does not match claim ({claims.ServiceAccountUid})");
        }

        var labels = ObjectMetaAccess.Labels(secret.Object);
        if (labels.TryGetValue(LegacyServiceAccountToken.InvalidSinceLabel, out var since) && since.Length > 0)
        {
            return (null, $"the token in secret {claims.Namespace}/{claims.SecretName} for service account {claims.Namespace}/{claims.ServiceAccountName} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the '{LegacyServiceAccountToken.InvalidSinceLabel}' label from the secret to temporarily allow use of this token");
        }

        // Tomorrow too: another server whose clock is a little ahead may have stamped it already.
        var today = LegacyServiceAccountToken.Date(now);
        if (!labels.TryGetValue(LegacyServiceAccountToken.LastUsedLabel, out var lastUsed) || (lastUsed != today && lastUsed != LegacyServiceAccountToken.Date(now.AddDays(1))))
        {
            await StampLastUsedAsync(claims, today, ct).ConfigureAwait(false);
        }

        var user = UserInfo.Authenticated(
            ServiceAccountClaims.UserName(claims.Namespace, claims.ServiceAccountName),
            [ServiceAccountClaims.AllGroup, $"{ServiceAccountClaims.AllGroup}:{claims.Namespace}"]) with { Uid = claims.ServiceAccountUid };
        return (user, null);
    }

    /// <summary>Best effort, as upstream: a failed stamp is logged and the request still goes through.</summary>
    private async Task StampLastUsedAsync(LegacyTokenClaims claims, string today, CancellationToken ct)
    {
        try
        {
            await updater.GuaranteedUpdateAsync(_secrets, claims.Namespace, claims.SecretName, current =>
            {
                var obj = current.Object.DeepClone().AsObject();
                var metadata = obj["metadata"] as JsonObject ?? [];
                obj["metadata"] = metadata;
                var labels = metadata["labels"] as JsonObject ?? [];
                metadata["labels"] = labels;
                if (JsonAccess.AsString(labels[LegacyServiceAccountToken.LastUsedLabel]) == today)
                {
                    return null;
                }

                labels[LegacyServiceAccountToken.LastUsedLabel] = today;
                return obj;
            }, null, WriteOptions.Default(), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ApiException or Timonel.Storage.StoreUnavailableException)
        {
            Log.StampFailed(logger, claims.Namespace, claims.SecretName, e.Message);
        }
    }

    private static bool HoldsToken(JsonObject secret, string token)
    {
        if (JsonAccess.AsString(secret["data"]?["token"]) is not { } encoded)
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(encoded), Encoding.UTF8.GetBytes(token));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool DeletedBefore(JsonObject obj, DateTimeOffset before) =>
        JsonAccess.AsString(obj["metadata"]?["deletionTimestamp"]) is { } deleted
        && DateTimeOffset.TryParse(deleted, System.Globalization.CultureInfo.InvariantCulture, out var at)
        && at < before;

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "could not record the use of the legacy token in secret {Namespace}/{Name}: {Reason}")]
        public static partial void StampFailed(ILogger logger, string @namespace, string name, string reason);
    }
}
