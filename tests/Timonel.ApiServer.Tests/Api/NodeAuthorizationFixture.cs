using System.Collections.Concurrent;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// An API server with `timonel server`'s default authorization (Node,RBAC with upstream's
/// bootstrap policy, whose system:node role is bound to no one), so what a node may do beyond
/// discovery is exactly what the node authorizer allows; NodeRestriction admission is on, as on
/// every server by default. <see cref="NodeClient"/> connects with a node's client certificate.
/// </summary>
public sealed class NodeAuthorizationFixture : ApiServerFixture, IDisposable
{
    private readonly ConcurrentBag<IDisposable> _owned = [];

    // The chain `timonel server` runs by default: the node authorizer, then RBAC with the
    // bootstrap policy (which binds system:node to nobody, as upstream).
    protected override ApiServerOptions Configure(ApiServerOptions options) =>
        options with { AuthorizationModes = AuthorizationModes.Parse(AuthorizationModes.ServerDefault) };

    /// <summary>A client authenticated as user "system:node:<paramref name="node"/>" in group "system:nodes".</summary>
    internal ApiClient NodeClient(string node)
    {
        var certificate = CertificateIssuer.IssueClient(Host.Pki.ClientCa, $"system:node:{node}", ["system:nodes"], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        _owned.Add(certificate);
        var client = new ApiClient(Host.Url, Host.Pki.ServerCaPem, "", certificate);
        _owned.Add(client);
        return client;
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}

/// <summary>
/// <see cref="NodeAuthorizationFixture"/> without the bootstrap binding that grants every node the
/// agent's list/watch rights (timonel:node-agent-services), so that what a node may do is exactly
/// what the node authorizer allows.
/// </summary>
public sealed class NodeAuthorizerOnlyFixture : IAsyncLifetime, IDisposable
{
    private NodeAuthorizationFixture Inner { get; } = new();

    internal ApiClient Client => Inner.Client;

    internal ApiClient NodeClient(string node) => Inner.NodeClient(node);

    internal Task<string> NamespaceAsync(string prefix) => Inner.NamespaceAsync(prefix);

    public async Task InitializeAsync()
    {
        await Inner.InitializeAsync();
        var deleted = await Inner.Client.DeleteAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/timonel:node-agent-services");
        Assert.Equal(200, deleted.Code);
    }

    public Task DisposeAsync() => Inner.DisposeAsync();

    public void Dispose() => Inner.Dispose();
}
