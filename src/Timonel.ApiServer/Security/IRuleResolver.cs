namespace Timonel.ApiServer.Security;

/// <summary>
/// Lists what a user may do in a namespace (upstream's authorizer.RuleResolver), for
/// SelfSubjectRulesReview (kubectl auth can-i --list). An authorizer that can enumerate its
/// rules implements this next to <see cref="IAuthorizer"/>; one that cannot leaves the review
/// incomplete, as upstream's webhook authorizer does.
/// </summary>
public interface IRuleResolver
{
    Task<UserRules> RulesForAsync(UserInfo user, string @namespace, CancellationToken cancellationToken);
}

/// <summary>Upstream's ResourceRule: verbs on resources of API groups, optionally only some names ("*" is any).</summary>
public sealed record ResourceRule(IReadOnlyList<string> Verbs, IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> ResourceNames);

/// <summary>Upstream's NonResourceRule: verbs on URL paths ("*" is any; a trailing "*" a prefix).</summary>
public sealed record NonResourceRule(IReadOnlyList<string> Verbs, IReadOnlyList<string> NonResourceUrls);

/// <summary>What a user may do; <paramref name="Incomplete"/> when the list may miss rules (with why in <paramref name="EvaluationError"/>).</summary>
public sealed record UserRules(IReadOnlyList<ResourceRule> ResourceRules, IReadOnlyList<NonResourceRule> NonResourceRules, bool Incomplete, string EvaluationError = "");
