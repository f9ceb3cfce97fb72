namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// Upstream's union authorizer: asks each authorizer in order; the first Allow or Deny decides,
/// and when all have no opinion the request is refused with their reasons, one per line. As a
/// rule resolver it lists the rules of every member that can list them (an identical rule once),
/// incomplete when any member is, with their evaluation errors.
/// </summary>
public sealed class UnionAuthorizer(IReadOnlyList<IAuthorizer> authorizers) : IAuthorizer, IRuleResolver
{
    public IReadOnlyList<IAuthorizer> Members => authorizers;

    public async Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken)
    {
        List<string>? reasons = null;
        foreach (var authorizer in authorizers)
        {
            var decision = await authorizer.AuthorizeAsync(attributes, cancellationToken).ConfigureAwait(false);
            if (decision.Verdict != AuthorizationVerdict.NoOpinion)
            {
                return decision;
            }

            if (decision.Reason.Length > 0)
            {
                (reasons ??= []).Add(decision.Reason);
            }
        }

        return reasons is null ? AuthorizationDecision.NoOpinion : new AuthorizationDecision(AuthorizationVerdict.NoOpinion, string.Join('\n', reasons));
    }

    public async Task<UserRules> RulesForAsync(UserInfo user, string @namespace, CancellationToken cancellationToken)
    {
        var resourceRules = new List<ResourceRule>();
        var nonResourceRules = new List<NonResourceRule>();
        var earlier = new HashSet<string>(StringComparer.Ordinal);
        var incomplete = false;
        var errors = new List<string>();
        foreach (var authorizer in authorizers)
        {
            if (authorizer is not IRuleResolver resolver)
            {
                continue;
            }

            var rules = await resolver.RulesForAsync(user, @namespace, cancellationToken).ConfigureAwait(false);
            // system:masters' "*" rules and a cluster-admin binding to the same group would
            // otherwise be listed twice.
            resourceRules.AddRange(rules.ResourceRules.Where(r => !earlier.Contains(Key(r))));
            nonResourceRules.AddRange(rules.NonResourceRules.Where(r => !earlier.Contains(Key(r))));
            earlier.UnionWith(rules.ResourceRules.Select(Key).Concat(rules.NonResourceRules.Select(Key)));
            incomplete |= rules.Incomplete;
            if (rules.EvaluationError.Length > 0)
            {
                errors.Add(rules.EvaluationError);
            }
        }

        var error = errors.Count switch
        {
            0 => "",
            1 => errors[0],
            _ => "[" + string.Join(", ", errors.Distinct(StringComparer.Ordinal)) + "]",
        };
        return new UserRules(resourceRules, nonResourceRules, incomplete, error);
    }

    private static string Key(ResourceRule r) => $"r\0{string.Join('\u0001', r.Verbs)}\0{string.Join('\u0001', r.ApiGroups)}\0{string.Join('\u0001', r.Resources)}\0{string.Join('\u0001', r.ResourceNames)}";

    private static string Key(NonResourceRule r) => $"n\0{string.Join('\u0001', r.Verbs)}\0{string.Join('\u0001', r.NonResourceUrls)}";
}
