using System.Collections.Concurrent;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// An API server whose authorizer records every request's attributes and answers what the
/// current test's <see cref="RecordingAuthorizer.Rule"/> says (allow when there is none).
/// </summary>
public sealed class AuthorizationFixture : ApiServerFixture
{
    internal RecordingAuthorizer Authorizer { get; } = new();

    protected override ApiServerOptions Configure(ApiServerOptions options) => options with { Authorizer = Authorizer };
}

/// <summary>Records what it is asked; decides by <see cref="Rule"/>.</summary>
internal sealed class RecordingAuthorizer : IAuthorizer
{
    private readonly ConcurrentQueue<RequestAttributes> _seen = new();

    public Func<RequestAttributes, AuthorizationDecision>? Rule { get; set; }

    public IReadOnlyList<RequestAttributes> Seen => [.. _seen];

    public Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken)
    {
        _seen.Enqueue(attributes);
        return Task.FromResult(Rule?.Invoke(attributes) ?? AuthorizationDecision.Allow);
    }
}
