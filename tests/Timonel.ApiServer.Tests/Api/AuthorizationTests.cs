using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// Every request is put to the authorizer after authentication, with the attributes upstream's
/// RequestInfoFactory gives it, and a refusal is upstream's 403 with nothing done.
/// </summary>
public sealed class AuthorizationTests(AuthorizationFixture fx) : IClassFixture<AuthorizationFixture>, IDisposable
{
    private const string Admin = "system:admin";

    public void Dispose() => fx.Authorizer.Rule = null;

    [Theory]
    // Namespaced resources, their verbs and subresources.
    [InlineData("GET", "/api/v1/namespaces/az/pods", "list", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/namespaces/az/pods?watch=true", "watch", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/namespaces/az/pods?watch=1", "watch", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/namespaces/az/pods?watch=True", "watch", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/namespaces/az/pods?watch=false", "list", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/namespaces/az/pods?watch=0", "list", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/watch/namespaces/az/pods", "watch", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/watch/namespaces/az/pods/p", "watch", "", "v1", "pods", "", "az", "p")]
    [InlineData("GET", "/api/v1/watch/pods", "watch", "", "v1", "pods", "", "", "")]
    [InlineData("GET", "/api/v1/namespaces/az/pods?fieldSelector=metadata.name%3Dp", "list", "", "v1", "pods", "", "az", "p")]
    [InlineData("GET", "/api/v1/namespaces/az/pods/p", "get", "", "v1", "pods", "", "az", "p")]
    [InlineData("HEAD", "/api/v1/namespaces/az/pods/p", "get", "", "v1", "pods", "", "az", "p")]
    [InlineData("POST", "/api/v1/namespaces/az/pods", "create", "", "v1", "pods", "", "az", "")]
    [InlineData("PUT", "/api/v1/namespaces/az/pods/p", "update", "", "v1", "pods", "", "az", "p")]
    [InlineData("PATCH", "/api/v1/namespaces/az/pods/p", "patch", "", "v1", "pods", "", "az", "p")]
    [InlineData("DELETE", "/api/v1/namespaces/az/pods/p", "delete", "", "v1", "pods", "", "az", "p")]
    [InlineData("DELETE", "/api/v1/namespaces/az/pods", "deletecollection", "", "v1", "pods", "", "az", "")]
    [InlineData("GET", "/api/v1/namespaces/az/pods/p/status", "get", "", "v1", "pods", "status", "az", "p")]
    [InlineData("PUT", "/api/v1/namespaces/az/pods/p/status", "update", "", "v1", "pods", "status", "az", "p")]
    [InlineData("PATCH", "/apis/apps/v1/namespaces/az/deployments/d/scale", "patch", "apps", "v1", "deployments", "scale", "az", "d")]
    [InlineData("GET", "/apis/apps/v1/namespaces/az/deployments/d/scale", "get", "apps", "v1", "deployments", "scale", "az", "d")]
    [InlineData("POST", "/api/v1/namespaces/az/pods/p/binding", "create", "", "v1", "pods", "binding", "az", "p")]
    [InlineData("POST", "/api/v1/namespaces/az/pods/p/eviction", "create", "", "v1", "pods", "eviction", "az", "p")]
    [InlineData("GET", "/api/v1/namespaces/az/pods/p/log?container=c", "get", "", "v1", "pods", "log", "az", "p")]
    [InlineData("POST", "/api/v1/namespaces/az/pods/p/exec?command=ls", "create", "", "v1", "pods", "exec", "az", "p")]
    [InlineData("GET", "/api/v1/namespaces/az/pods/p/exec?command=ls", "get", "", "v1", "pods", "exec", "az", "p")]
    [InlineData("GET", "/apis/policy/v1/namespaces/az/poddisruptionbudgets", "list", "policy", "v1", "poddisruptionbudgets", "", "az", "")]
    // A namespace is its own namespace; status and finalize are its subresources.
    [InlineData("GET", "/api/v1/namespaces/az", "get", "", "v1", "namespaces", "", "az", "az")]
    [InlineData("PUT", "/api/v1/namespaces/az/finalize", "update", "", "v1", "namespaces", "finalize", "az", "az")]
    [InlineData("GET", "/api/v1/namespaces/az/status", "get", "", "v1", "namespaces", "status", "az", "az")]
    [InlineData("GET", "/api/v1/namespaces", "list", "", "v1", "namespaces", "", "", "")]
    // Cluster-scoped resources.
    [InlineData("GET", "/api/v1/nodes", "list", "", "v1", "nodes", "", "", "")]
    [InlineData("GET", "/api/v1/nodes/n1", "get", "", "v1", "nodes", "", "", "n1")]
    [InlineData("PATCH", "/api/v1/nodes/n1/status", "patch", "", "v1", "nodes", "status", "", "n1")]
    [InlineData("DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterroles", "deletecollection", "rbac.authorization.k8s.io", "v1", "clusterroles", "", "", "")]
    [InlineData("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles?watch=true", "watch", "rbac.authorization.k8s.io", "v1", "clusterroles", "", "", "")]
    public async Task Authorize_ResourceRequest_SeesUpstreamAttributes(string method, string url, string verb, string group, string version, string resource, string subresource, string ns, string name)
    {
        // Refusing keeps the requests from doing anything (a watch would otherwise stream).
        fx.Authorizer.Rule = _ => AuthorizationDecision.Deny("");

        var (seen, response) = await SeenAsync(method, url);

        // A list's fieldSelector travels with the attributes as sent (the node authorizer reads it).
        var selector = url.Contains("fieldSelector=", StringComparison.Ordinal) ? Uri.UnescapeDataString(url.Split("fieldSelector=")[1]) : "";
        Assert.Equal(new RequestAttributes(seen.User, verb, true, url.Split('?')[0], group, version, resource, subresource, ns, name) { FieldSelector = selector }, seen);
        Assert.Equal(Admin, seen.User.Name);
        if (method != "HEAD")
        {
            ApiAssert.Failure(response, 403, "Forbidden");
        }
        else
        {
            Assert.Equal(403, response.Code);
        }
    }

    [Theory]
    [InlineData("GET", "/healthz", "get")]
    [InlineData("GET", "/livez", "get")]
    [InlineData("HEAD", "/readyz", "head")]
    [InlineData("GET", "/version", "get")]
    [InlineData("GET", "/api", "get")]
    [InlineData("GET", "/api/v1", "get")]
    [InlineData("GET", "/apis", "get")]
    [InlineData("GET", "/apis/apps", "get")]
    [InlineData("GET", "/apis/apps/v1", "get")]
    [InlineData("GET", "/openapi/v2", "get")]
    [InlineData("GET", "/", "get")]
    [InlineData("POST", "/healthz", "post")]
    public async Task Authorize_NonResourceRequest_SeesPathAndLowerCaseMethod(string method, string url, string verb)
    {
        fx.Authorizer.Rule = _ => AuthorizationDecision.Deny("");

        var (seen, response) = await SeenAsync(method, url);

        Assert.Equal(new RequestAttributes(seen.User, verb, false, url), seen);
        Assert.Equal(403, response.Code);
    }

    [Fact]
    public async Task Authorize_AllowedRequests_AreEachSeenOnceAndServed()
    {
        var before = fx.Authorizer.Seen.Count;

        var ns = await fx.NamespaceAsync("authz");
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "c" } });
        var got = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/c");
        var version = await fx.Client.GetAsync("/version");

        Assert.Equal(201, created.Code);
        Assert.Equal(200, got.Code);
        Assert.Equal(200, version.Code);
        var seen = fx.Authorizer.Seen.Skip(before).ToList();
        Assert.Equal(
            [("create", "namespaces", "", ""), ("create", "configmaps", ns, ""), ("get", "configmaps", ns, "c"), ("get", "", "", "")],
            seen.Select(a => (a.Verb, a.Resource, a.Namespace, a.Name)).ToList());
        Assert.All(seen, a => Assert.Equal([UserInfo.SystemMastersGroup, UserInfo.AuthenticatedGroup], a.User.Groups));
    }

    [Fact]
    public async Task Authorize_Denied_Is403WithUpstreamMessageAndWritesNothing()
    {
        var ns = await fx.NamespaceAsync("authz");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        fx.Authorizer.Rule = a => a.Verb == "create" && a.Resource == "pods" ? AuthorizationDecision.Deny("the test refuses") : AuthorizationDecision.Allow;

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(pods, TestObjects.Pod("p")));

        ApiAssert.Failure(refused, 403, "Forbidden");
        Assert.Equal($"pods is forbidden: User \"{Admin}\" cannot create resource \"pods\" in API group \"\" in the namespace \"{ns}\": the test refuses", refused.Message);
        Assert.Equal("pods", ApiResponse.Str(refused.Body?["details"]?["kind"]));
        Assert.Equal(404, (await fx.Client.GetAsync($"{pods}/p")).Code);

        // The same request, allowed, is written: the refusal above was the authorizer's doing.
        fx.Authorizer.Rule = null;
        Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod("p"))).Code);
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/az/pods/p", "pods \"p\" is forbidden: User \"system:admin\" cannot get resource \"pods\" in API group \"\" in the namespace \"az\"")]
    [InlineData("PUT", "/apis/apps/v1/namespaces/az/deployments/d/scale", "deployments.apps \"d\" is forbidden: User \"system:admin\" cannot update resource \"deployments/scale\" in API group \"apps\" in the namespace \"az\"")]
    [InlineData("POST", "/api/v1/namespaces/az/pods/p/eviction", "pods \"p\" is forbidden: User \"system:admin\" cannot create resource \"pods/eviction\" in API group \"\" in the namespace \"az\"")]
    [InlineData("GET", "/api/v1/nodes", "nodes is forbidden: User \"system:admin\" cannot list resource \"nodes\" in API group \"\" at the cluster scope")]
    [InlineData("DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", "clusterroles.rbac.authorization.k8s.io \"admin\" is forbidden: User \"system:admin\" cannot delete resource \"clusterroles\" in API group \"rbac.authorization.k8s.io\" at the cluster scope")]
    [InlineData("GET", "/healthz", "forbidden: User \"system:admin\" cannot get path \"/healthz\"")]
    [InlineData("GET", "/apis", "forbidden: User \"system:admin\" cannot get path \"/apis\"")]
    public async Task Authorize_DeniedWithoutReason_IsUpstreamMessage(string method, string url, string message)
    {
        fx.Authorizer.Rule = _ => AuthorizationDecision.Deny("");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(new HttpMethod(method), url, method is "PUT" or "POST" ? "{}" : null, method is "PUT" or "POST" ? ApiClient.Json : null));

        ApiAssert.Failure(response, 403, "Forbidden");
        Assert.Equal(message, response.Message);
    }

    [Fact]
    public async Task Authorize_NoOpinion_Is403()
    {
        fx.Authorizer.Rule = _ => AuthorizationDecision.NoOpinion;

        var response = await fx.Client.GetAsync("/api/v1/namespaces");

        ApiAssert.Failure(response, 403, "Forbidden");
        Assert.Equal("namespaces is forbidden: User \"system:admin\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope", response.Message);
    }

    [Fact]
    public async Task Authorize_Unauthenticated_Is401BeforeTheAuthorizerIsAsked()
    {
        var before = fx.Authorizer.Seen.Count;

        var response = await fx.Client.SendAsync(HttpMethod.Get, "/api/v1/namespaces", authenticate: false);

        Assert.Equal(401, response.Code);
        Assert.Equal(before, fx.Authorizer.Seen.Count);
    }

    private async Task<(RequestAttributes Seen, ApiResponse Response)> SeenAsync(string method, string url)
    {
        var before = fx.Authorizer.Seen.Count;
        var hasBody = method is "POST" or "PUT" or "PATCH";
        var contentType = method == "PATCH" ? ApiClient.MergePatch : ApiClient.Json;
        var response = await fx.Client.SendAsync(new HttpMethod(method), url, hasBody ? "{}" : null, hasBody ? contentType : null);
        var seen = Assert.Single(fx.Authorizer.Seen.Skip(before));
        return (seen, response);
    }
}
