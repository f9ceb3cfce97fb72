namespace Timonel.ApiServer.Security;

/// <summary>
/// Who made a request, as authorization and audit see it (upstream's user.Info): the user name
/// and the groups, including "system:authenticated" for everyone but <see cref="Anonymous"/>.
/// </summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    public const string AdminName = "system:admin";
    public const string SystemMastersGroup = "system:masters";
    public const string AuthenticatedGroup = "system:authenticated";

    /// <summary>The cluster administrator: the admin certificate's and the admin token's identity.</summary>
    public static readonly UserInfo Admin = new(AdminName, [SystemMastersGroup, AuthenticatedGroup]);

    /// <summary>A request without credentials where anonymous requests are let in (<see cref="AnonymousEndpoints"/>).</summary>
    public static readonly UserInfo Anonymous = new("system:anonymous", ["system:unauthenticated"]);

    /// <summary>The user's UID when the authenticator knows one (a service account's UID), else null.</summary>
    public string? Uid { get; init; }

    /// <summary>Extra attributes (upstream's user.Info extra), e.g. the pod a service-account token is bound to.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>A user with <paramref name="groups"/> plus "system:authenticated" (added once).</summary>
    public static UserInfo Authenticated(string name, IEnumerable<string> groups)
    {
        var list = new List<string>(groups);
        if (!list.Contains(AuthenticatedGroup))
        {
            list.Add(AuthenticatedGroup);
        }

        return new UserInfo(name, list.AsReadOnly());
    }
}
