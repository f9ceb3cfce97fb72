using Timonel.ApiServer.Security.Rbac;

namespace Timonel.ApiServer.Security;

/// <summary>
/// --authorization-mode: which authorizers run, in order, behind upstream's privileged-group
/// authorizer (system:masters may do anything). AlwaysAllow, AlwaysDeny and RBAC are built
/// here, and Node from the host's node graph; ABAC and Webhook are refused.
/// </summary>
public static class AuthorizationModes
{
    public const string AlwaysAllow = "AlwaysAllow";
    public const string AlwaysDeny = "AlwaysDeny";
    public const string Rbac = "RBAC";
    public const string Node = "Node";

    /// <summary>What `timonel server` enforces unless told otherwise: as kubeadm and k3s clusters do.</summary>
    public const string ServerDefault = Node + "," + Rbac;

    private static readonly string[] Known = [AlwaysAllow, AlwaysDeny, "ABAC", "Webhook", Rbac, Node];
    private static readonly string[] Supported = [AlwaysAllow, AlwaysDeny, Rbac, Node];

    /// <summary>The modes of a comma-separated list; <see cref="ArgumentException"/> with upstream's wording when one is unknown or repeated.</summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        var modes = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Validate(modes);
        return modes;
    }

    public static void Validate(IReadOnlyList<string> modes)
    {
        if (modes.Count == 0)
        {
            throw new ArgumentException("at least one authorization-mode must be passed");
        }

        foreach (var mode in modes)
        {
            if (!Known.Contains(mode, StringComparer.Ordinal))
            {
                throw new ArgumentException($"authorization-mode \"{mode}\" is not a valid mode (valid: {string.Join(", ", Supported)})");
            }

            if (!Supported.Contains(mode, StringComparer.Ordinal))
            {
                throw new ArgumentException($"authorization-mode \"{mode}\" is not supported yet (supported: {string.Join(", ", Supported)})");
            }
        }

        if (modes.Distinct(StringComparer.Ordinal).Count() != modes.Count)
        {
            throw new ArgumentException($"authorization-mode {PolicyRule.GoQuotedList(modes)} has mode specified more than once");
        }
    }

    public static bool UsesRbac(IReadOnlyList<string> modes) => modes.Contains(Rbac, StringComparer.Ordinal);

    public static bool UsesNode(IReadOnlyList<string> modes) => modes.Contains(Node, StringComparer.Ordinal);

    /// <summary>The chain: system:masters first, then each mode in the order given.</summary>
    internal static UnionAuthorizer Build(IReadOnlyList<string> modes, RbacAuthorizer? rbac, IAuthorizer? node = null)
    {
        var chain = new List<IAuthorizer> { new PrivilegedGroupAuthorizer(UserInfo.SystemMastersGroup) };
        foreach (var mode in modes)
        {
            chain.Add(mode switch
            {
                AlwaysAllow => new AllowAllAuthorizer(),
                AlwaysDeny => new AlwaysDenyAuthorizer(),
                Rbac => rbac ?? throw new InvalidOperationException("RBAC mode needs the RBAC authorizer"),
                Node => node ?? throw new InvalidOperationException("Node mode needs the node authorizer"),
                _ => throw new ArgumentException($"authorization-mode \"{mode}\" is not supported"),
            });
        }

        return new UnionAuthorizer(chain);
    }
}

/// <summary>Upstream's AlwaysDeny mode: no opinion on anything, and no rules (only system:masters gets through).</summary>
public sealed class AlwaysDenyAuthorizer : IAuthorizer, IRuleResolver
{
    public Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken) =>
        Task.FromResult(new AuthorizationDecision(AuthorizationVerdict.NoOpinion, "Everything is forbidden."));

    public Task<UserRules> RulesForAsync(UserInfo user, string @namespace, CancellationToken cancellationToken) => Task.FromResult(new UserRules([], [], Incomplete: false));
}
