namespace Timonel.ApiServer.Security;

/// <summary>
/// Decides whether a request may proceed (upstream's authorizer.Authorizer). Called once per
/// request, after authentication and before anything is read or written, with the request's
/// <see cref="RequestAttributes"/>. Contract: answer <see cref="AuthorizationDecision.Allow"/>
/// to let the request through, <see cref="AuthorizationDecision.Deny"/> to refuse it with a
/// reason, or <see cref="AuthorizationDecision.NoOpinion"/> to leave the verdict to another
/// authorizer; a request that no authorizer allows is refused (403 Forbidden), as upstream's
/// union authorizer does. An authorizer must not throw for a request it does not understand
/// (answer NoOpinion instead) and must not change the attributes.
/// </summary>
public interface IAuthorizer
{
    Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken);
}

/// <summary>What an authorizer answered, and why (the reason is appended to the 403's message).</summary>
public sealed record AuthorizationDecision(AuthorizationVerdict Verdict, string Reason)
{
    public static AuthorizationDecision Allow { get; } = new(AuthorizationVerdict.Allow, "");

    public static AuthorizationDecision NoOpinion { get; } = new(AuthorizationVerdict.NoOpinion, "");

    public static AuthorizationDecision Deny(string reason) => new(AuthorizationVerdict.Deny, reason);
}

/// <summary>Upstream's authorizer.Decision.</summary>
public enum AuthorizationVerdict
{
    Deny,
    Allow,
    NoOpinion,
}

/// <summary>
/// The default authorizer: every authenticated request is allowed (what the server did before
/// authorization existed; RBAC replaces it).
/// </summary>
public sealed class AllowAllAuthorizer : IAuthorizer, IRuleResolver
{
    // Upstream's AlwaysAllow rules: every verb on everything, resources and URLs alike.
    private static readonly UserRules Everything = new(
        [new ResourceRule(["*"], ["*"], ["*"], [])],
        [new NonResourceRule(["*"], ["*"])],
        Incomplete: false);

    public Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken) =>
        Task.FromResult(AuthorizationDecision.Allow);

    public Task<UserRules> RulesForAsync(UserInfo user, string @namespace, CancellationToken cancellationToken) => Task.FromResult(Everything);
}
