namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// Upstream's RBAC authorizer: a request is allowed when a rule of a role bound to its user
/// (by name, by one of its groups, or as a service account) in its namespace or cluster-wide
/// allows it; otherwise it has no opinion (RBAC never denies), with the resolution errors met
/// on the way as the reason ("RBAC: clusterrole.rbac.authorization.k8s.io "x" not found").
/// </summary>
internal sealed class RbacAuthorizer(RbacPolicyCache policies) : IAuthorizer, IRuleResolver
{
    public async Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken)
    {
        var policy = await policies.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var held = policy.RulesFor(attributes.User, attributes.Namespace);
        if (RuleMatching.AllowsAny(attributes, held.Rules))
        {
            return AuthorizationDecision.Allow;
        }

        return held.Errors.Count == 0 ? AuthorizationDecision.NoOpinion : new AuthorizationDecision(AuthorizationVerdict.NoOpinion, $"RBAC: {held.ErrorText()}");
    }

    /// <summary>
    /// The user's rules for SelfSubjectRulesReview, as upstream's RBACAuthorizer.RulesFor: a rule
    /// with resources is listed as a resource rule, one with URLs as a non-resource rule (a rule
    /// with both as both); never incomplete, with the resolution errors as the evaluation error.
    /// </summary>
    public async Task<UserRules> RulesForAsync(UserInfo user, string @namespace, CancellationToken cancellationToken)
    {
        var held = (await policies.CurrentAsync(cancellationToken).ConfigureAwait(false)).RulesFor(user, @namespace);
        var resourceRules = new List<ResourceRule>();
        var nonResourceRules = new List<NonResourceRule>();
        foreach (var rule in held.Rules)
        {
            if (rule.Resources.Count > 0)
            {
                resourceRules.Add(new ResourceRule(rule.Verbs, rule.ApiGroups, rule.Resources, rule.ResourceNames));
            }

            if (rule.NonResourceUrls.Count > 0)
            {
                nonResourceRules.Add(new NonResourceRule(rule.Verbs, rule.NonResourceUrls));
            }
        }

        return new UserRules(resourceRules, nonResourceRules, Incomplete: false, held.ErrorText());
    }

    /// <summary>What <paramref name="user"/> holds in <paramref name="namespace"/>, for escalation checks.</summary>
    public async Task<ResolvedRules> HeldAsync(UserInfo user, string @namespace, CancellationToken cancellationToken) =>
        (await policies.CurrentAsync(cancellationToken).ConfigureAwait(false)).RulesFor(user, @namespace);

    /// <summary>The current policy (role references for binding checks).</summary>
    public ValueTask<RbacPolicy> PolicyAsync(CancellationToken cancellationToken) => policies.CurrentAsync(cancellationToken);
}
