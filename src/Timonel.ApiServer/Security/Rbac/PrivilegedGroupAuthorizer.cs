namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// Upstream's authorizerfactory.NewPrivilegedGroups(system:masters), first in every
/// authorization chain: a member of the group may do anything, whatever the other authorizers
/// say; anyone else gets no opinion. Its rules are everything on everything, so
/// SelfSubjectRulesReview shows a member what it holds even before any ClusterRole exists.
/// </summary>
public sealed class PrivilegedGroupAuthorizer(params string[] groups) : IAuthorizer, IRuleResolver
{
    private static readonly UserRules Everything = new(
        [new ResourceRule([PolicyRule.All], [PolicyRule.All], [PolicyRule.All], [])],
        [new NonResourceRule([PolicyRule.All], [PolicyRule.All])],
        Incomplete: false);

    private static readonly UserRules Nothing = new([], [], Incomplete: false);

    public bool IsPrivileged(UserInfo user)
    {
        foreach (var group in user.Groups)
        {
            if (groups.Contains(group, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken) =>
        Task.FromResult(IsPrivileged(attributes.User) ? AuthorizationDecision.Allow : AuthorizationDecision.NoOpinion);

    public Task<UserRules> RulesForAsync(UserInfo user, string @namespace, CancellationToken cancellationToken) =>
        Task.FromResult(IsPrivileged(user) ? Everything : Nothing);
}
