using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Gateway.Routing;

namespace Timonel.Ingress.Tests.Gateway;

/// <summary>Gateway API objects for tests, written as the JSON a user's YAML becomes (so the models' field names are checked too).</summary>
internal static class GatewayObjects
{
    public static readonly GatewayPorts Ports = new(80, 443);

    public static T Parse<T>(string json) => KubernetesJson.Deserialize<T>(json);

    public static V1GatewayClass Class(string name = "timonel", string controller = GatewayBuilder.ControllerName) =>
        Parse<V1GatewayClass>($$$"""{"metadata":{"name":"{{{name}}}","generation":1},"spec":{"controllerName":"{{{controller}}}"}}""");

    /// <summary>A Gateway of class timonel in <paramref name="ns"/> with the given listeners (JSON objects).</summary>
    public static V1Gateway Gateway(string name, string ns, params string[] listeners) =>
        Parse<V1Gateway>($$$"""{"metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","generation":2},"spec":{"gatewayClassName":"timonel","listeners":[{{{string.Join(",", listeners)}}}]}}""");

    public static string Http(string name = "http", string? hostname = null, int port = 80, string from = "Same") =>
        $$$"""{"name":"{{{name}}}","protocol":"HTTP","port":{{{port}}}{{{(hostname is null ? "" : $",\"hostname\":\"{hostname}\"")}}},"allowedRoutes":{"namespaces":{"from":"{{{from}}}"} } }""";

    /// <summary>An HTTPRoute in <paramref name="ns"/> whose spec is <paramref name="spec"/> (JSON).</summary>
    public static V1HttpRoute Route(string name, string ns, string spec, DateTime? created = null) =>
        Parse<V1HttpRoute>($$$"""{"metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","generation":1,"creationTimestamp":"{{{(created ?? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)):yyyy-MM-ddTHH:mm:ssZ}}}"},"spec":{{{spec}}}}""");

    public static V1Namespace Namespace(string name, params (string Key, string Value)[] labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels.ToDictionary(l => l.Key, l => l.Value) },
    };

    public static GatewayInputs Inputs(IEnumerable<V1Gateway> gateways, IEnumerable<V1HttpRoute> routes, IEnumerable<V1Beta1ReferenceGrant>? grants = null, IEnumerable<V1Namespace>? namespaces = null, IEnumerable<V1Secret>? secrets = null, IEnumerable<V1GatewayClass>? classes = null)
    {
        var nsList = (namespaces ?? []).ToList();
        var secretList = (secrets ?? []).ToList();
        return new GatewayInputs(
            [.. classes ?? [Class()]],
            [.. gateways],
            [.. routes],
            [.. grants ?? []],
            n => nsList.FirstOrDefault(x => x.Metadata.Name == n),
            (n, s) => secretList.FirstOrDefault(x => x.Metadata.NamespaceProperty == n && x.Metadata.Name == s));
    }

    public static HttpRequest Request(string host, string path, string method = "GET", bool secure = false, string query = "", params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = secure ? "https" : "http";
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        context.Request.Method = method;
        context.Request.QueryString = new QueryString(query);
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        return context.Request;
    }

    public static GatewayCondition Condition(IEnumerable<GatewayCondition> conditions, string type) => conditions.Single(c => c.Type == type);
}
