using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Http;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Proxy;

/// <summary>How a proxy request is put to the authorizer: upstream's connect verbs on the subresource "proxy".</summary>
public sealed class ProxyRequestAttributesTests
{
    private static readonly UserInfo Alice = new("alice", []);

    [Theory]
    [InlineData("GET", "get")]
    [InlineData("HEAD", "get")]
    [InlineData("POST", "create")]
    [InlineData("PUT", "update")]
    [InlineData("PATCH", "patch")]
    [InlineData("DELETE", "delete")]
    [InlineData("OPTIONS", "")]
    public void From_ProxyPathWithSubpath_ConnectVerbOnProxySubresource(string method, string verb)
    {
        var service = RequestAttributesFactory.From(Alice, method, "/api/v1/namespaces/shop/services/https:web:8443/proxy/a/b", new QueryCollection());
        var node = RequestAttributesFactory.From(Alice, method, "/api/v1/nodes/node-1/proxy/stats/summary", new QueryCollection());

        Assert.Equal((verb, "services", "proxy", "shop", "https:web:8443"), (service.Verb, service.Resource, service.Subresource, service.Namespace, service.Name));
        Assert.Equal((verb, "nodes", "proxy", "", "node-1"), (node.Verb, node.Resource, node.Subresource, node.Namespace, node.Name));
    }
}
