using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Upstream's impersonation filter (`kubectl --as`, `--as-group`, `--as-uid`): the
/// Impersonate-User, Impersonate-Group, Impersonate-Uid and Impersonate-Extra-KEY headers make
/// the request act as another user, once the authenticated user is authorized for verb
/// "impersonate" on each (users, groups, serviceaccounts in the core group; uids and
/// userextras/KEY in authentication.k8s.io). The headers are removed after use.
/// </summary>
public static class Impersonation
{
    public const string UserHeader = "Impersonate-User";
    public const string GroupHeader = "Impersonate-Group";
    public const string UidHeader = "Impersonate-Uid";
    public const string ExtraHeaderPrefix = "Impersonate-Extra-";

    private const string ServiceAccountPrefix = "system:serviceaccount:";
    private const string AuthenticationGroup = "authentication.k8s.io";

    /// <summary>
    /// The user the request acts as: <paramref name="requestor"/> when it asks for no
    /// impersonation, else the impersonated user. Throws 403 when the requestor may not
    /// impersonate one of them, 400 when groups, a UID or extras come without a user.
    /// </summary>
    public static async Task<UserInfo> ApplyAsync(UserInfo requestor, IHeaderDictionary headers, string path, IAuthorizer authorizer, CancellationToken cancellationToken)
    {
        var user = headers[UserHeader].ToString();
        // One group per header line, as upstream reads them (a group name may hold a comma).
        var groups = headers[GroupHeader].OfType<string>().Where(g => g.Length > 0).ToList();
        var uid = headers[UidHeader].ToString();
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var header in headers.Where(h => h.Key.StartsWith(ExtraHeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            // Extra keys travel URL-escaped (they may hold '/', which header names cannot).
            var key = Uri.UnescapeDataString(header.Key[ExtraHeaderPrefix.Length..]).ToLowerInvariant();
            extra[key] = [.. header.Value.OfType<string>()];
        }

        if (user.Length == 0)
        {
            if (groups.Count > 0 || uid.Length > 0 || extra.Count > 0)
            {
                throw ApiException.BadRequest("requested impersonation of groups, a UID or user extras without impersonating a user");
            }

            return requestor;
        }

        var (name, serviceAccount) = await AuthorizeUserAsync(requestor, user, path, authorizer, cancellationToken).ConfigureAwait(false);
        foreach (var group in groups)
        {
            await AuthorizeAsync(requestor, path, "", "groups", "", "", group, authorizer, cancellationToken).ConfigureAwait(false);
        }

        if (uid.Length > 0)
        {
            await AuthorizeAsync(requestor, path, AuthenticationGroup, "uids", "", "", uid, authorizer, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (key, values) in extra)
        {
            foreach (var value in values)
            {
                await AuthorizeAsync(requestor, path, AuthenticationGroup, "userextras", key, "", value, authorizer, cancellationToken).ConfigureAwait(false);
            }
        }

        if (groups.Count == 0 && serviceAccount is { } ns)
        {
            // A service account's groups are fixed by its namespace: known without being asked for.
            groups = ["system:serviceaccounts", $"system:serviceaccounts:{ns}"];
        }

        foreach (var header in headers.Keys.Where(k => k.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            headers.Remove(header);
        }

        var impersonated = name == "system:anonymous" ? new UserInfo(name, groups.AsReadOnly()) : UserInfo.Authenticated(name, groups);
        return impersonated with { Uid = uid.Length > 0 ? uid : null, Extra = extra };
    }

    /// <summary>Authorizes impersonating the user; a service account's name is checked as that account.</summary>
    private static async Task<(string Name, string? ServiceAccountNamespace)> AuthorizeUserAsync(UserInfo requestor, string user, string path, IAuthorizer authorizer, CancellationToken cancellationToken)
    {
        if (user.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) && user[ServiceAccountPrefix.Length..].Split(':') is [{ Length: > 0 } ns, { Length: > 0 } account])
        {
            await AuthorizeAsync(requestor, path, "", "serviceaccounts", "", ns, account, authorizer, cancellationToken).ConfigureAwait(false);
            return (user, ns);
        }

        await AuthorizeAsync(requestor, path, "", "users", "", "", user, authorizer, cancellationToken).ConfigureAwait(false);
        return (user, null);
    }

    private static async Task AuthorizeAsync(UserInfo requestor, string path, string group, string resource, string subresource, string ns, string name, IAuthorizer authorizer, CancellationToken cancellationToken)
    {
        var attributes = new RequestAttributes(requestor, "impersonate", IsResourceRequest: true, path, group, "", resource, subresource, ns, name);
        var decision = await authorizer.AuthorizeAsync(attributes, cancellationToken).ConfigureAwait(false);
        if (decision.Verdict != AuthorizationVerdict.Allow)
        {
            throw Forbidden.For(attributes, decision.Reason);
        }
    }
}
