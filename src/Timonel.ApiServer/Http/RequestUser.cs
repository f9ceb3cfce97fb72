using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Http;

/// <summary>The user a request acts as (after impersonation), kept on the request for handlers that record who asked (upstream's request context user).</summary>
internal static class RequestUser
{
    private static readonly object Key = new();

    public static void Set(HttpContext context, UserInfo user) => context.Items[Key] = user;

    public static UserInfo? Get(HttpContext context) => context.Items.TryGetValue(Key, out var user) ? user as UserInfo : null;
}
