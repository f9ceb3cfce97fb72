using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>
/// An API server with --authorization-mode RBAC and no roles but those a test creates; the
/// admin (system:masters) sets them up, and requests are made as other users through
/// impersonation (kubectl --as), a service-account token or a client certificate.
/// </summary>
public sealed class RbacFixture : ApiServerFixture
{
    public const string Group = "rbac.authorization.k8s.io";
    public const string Rbac = "/apis/rbac.authorization.k8s.io/v1";

    protected override ApiServerOptions Configure(ApiServerOptions options) => options with { AuthorizationModes = [AuthorizationModes.Rbac] };

    /// <summary>A request as <paramref name="user"/> (with <paramref name="groups"/> and system:authenticated).</summary>
    internal Task<ApiResponse> AsAsync(string user, string[] groups, HttpMethod method, string path, JsonNode? body = null, string contentType = ApiClient.Json)
    {
        var headers = new List<(string, string)> { ("Impersonate-User", user) };
        headers.AddRange(groups.Select(g => ("Impersonate-Group", g)));
        return Client.SendWithHeadersAsync(method, path, body?.ToJsonString(), body is null ? null : contentType, [.. headers]);
    }

    internal Task<ApiResponse> AsAsync(string user, HttpMethod method, string path, JsonNode? body = null) => AsAsync(user, [], method, path, body);

    /// <summary>A patch as <paramref name="user"/>.</summary>
    internal Task<ApiResponse> PatchAsAsync(string user, string path, string patch, string contentType) =>
        Client.SendWithHeadersAsync(HttpMethod.Patch, path, patch, contentType, ("Impersonate-User", user));

    public static JsonObject Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null)
    {
        var rule = new JsonObject { ["verbs"] = Array(verbs), ["apiGroups"] = Array(groups), ["resources"] = Array(resources) };
        if (names is not null)
        {
            rule["resourceNames"] = Array(names);
        }

        return rule;
    }

    public static JsonObject UrlRule(string[] verbs, string[] urls) => new() { ["verbs"] = Array(verbs), ["nonResourceURLs"] = Array(urls) };

    public static JsonObject Subject(string kind, string name, string? ns = null)
    {
        var subject = new JsonObject { ["kind"] = kind, ["name"] = name };
        if (kind != "ServiceAccount")
        {
            subject["apiGroup"] = Group;
        }

        if (ns is not null)
        {
            subject["namespace"] = ns;
        }

        return subject;
    }

    public static JsonObject User(string name) => Subject("User", name);

    public static JsonObject RoleObject(string kind, string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = $"{Group}/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["rules"] = new JsonArray([.. rules]),
    };

    public static JsonObject BindingObject(string kind, string name, string roleKind, string roleName, params JsonObject[] subjects) => new()
    {
        ["apiVersion"] = $"{Group}/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["roleRef"] = new JsonObject { ["apiGroup"] = Group, ["kind"] = roleKind, ["name"] = roleName },
        ["subjects"] = new JsonArray([.. subjects]),
    };

    /// <summary>As the admin: a Role in <paramref name="ns"/> with <paramref name="rules"/>, bound to <paramref name="subjects"/>.</summary>
    internal async Task GrantAsync(string ns, string name, JsonObject[] rules, params JsonObject[] subjects)
    {
        ApiAssert.Code(201, await Client.PostAsync($"{Rbac}/namespaces/{ns}/roles", RoleObject("Role", name, rules)));
        ApiAssert.Code(201, await Client.PostAsync($"{Rbac}/namespaces/{ns}/rolebindings", BindingObject("RoleBinding", name, "Role", name, subjects)));
    }

    /// <summary>As the admin: a ClusterRole with <paramref name="rules"/> (names are per test, the fixture is shared).</summary>
    internal async Task ClusterRoleAsync(string name, params JsonObject[] rules) =>
        ApiAssert.Code(201, await Client.PostAsync($"{Rbac}/clusterroles", RoleObject("ClusterRole", name, rules)));

    internal async Task ClusterBindAsync(string name, string role, params JsonObject[] subjects) =>
        ApiAssert.Code(201, await Client.PostAsync($"{Rbac}/clusterrolebindings", BindingObject("ClusterRoleBinding", name, "ClusterRole", role, subjects)));

    internal async Task<string> ConfigMapAsync(string ns, string name)
    {
        ApiAssert.Code(201, await Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["k"] = "v" } }));
        return name;
    }

    private static JsonArray Array(string[] values) => new([.. values.Select(v => (JsonNode?)v)]);
}
