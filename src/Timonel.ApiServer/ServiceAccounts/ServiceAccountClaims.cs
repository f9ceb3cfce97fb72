using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.ServiceAccounts;

/// <summary>A name and UID in the private "kubernetes.io" claim.</summary>
public sealed record ObjectRef(string Name, string Uid);

/// <summary>
/// What a service-account token says, in upstream's claim layout: iss, sub
/// (system:serviceaccount:&lt;ns&gt;:&lt;name&gt;), aud, exp, iat, nbf, jti and the private
/// "kubernetes.io" claim with the namespace, the service account and what the token is bound to.
/// </summary>
public sealed record ServiceAccountClaims(
    string Issuer,
    IReadOnlyList<string> Audiences,
    DateTimeOffset IssuedAt,
    DateTimeOffset Expires,
    string Namespace,
    ObjectRef ServiceAccount)
{
    public const string UserPrefix = "system:serviceaccount:";
    public const string AllGroup = "system:serviceaccounts";

    public string Id { get; init; } = Guid.NewGuid().ToString();

    public ObjectRef? Pod { get; init; }

    public ObjectRef? Secret { get; init; }

    public ObjectRef? Node { get; init; }

    /// <summary>Set on extended kubelet tokens: when a client should have refreshed (upstream's warnafter).</summary>
    public DateTimeOffset? WarnAfter { get; init; }

    public string Subject => UserName(Namespace, ServiceAccount.Name);

    /// <summary>"system:serviceaccount:&lt;ns&gt;:&lt;name&gt;".</summary>
    public static string UserName(string ns, string name) => $"{UserPrefix}{ns}:{name}";

    public JsonObject ToJson()
    {
        var private_ = new JsonObject
        {
            ["namespace"] = Namespace,
            ["serviceaccount"] = Ref(ServiceAccount),
        };
        AddRef(private_, "pod", Pod);
        AddRef(private_, "secret", Secret);
        AddRef(private_, "node", Node);
        if (WarnAfter is { } warn)
        {
            private_["warnafter"] = warn.ToUnixTimeSeconds();
        }

        return new JsonObject
        {
            ["aud"] = new JsonArray(Audiences.Select(a => (JsonNode?)a).ToArray()),
            ["exp"] = Expires.ToUnixTimeSeconds(),
            ["iat"] = IssuedAt.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Id,
            ["kubernetes.io"] = private_,
            ["nbf"] = IssuedAt.ToUnixTimeSeconds(),
            ["sub"] = Subject,
        };
    }

    /// <summary>The claims of a verified token, or null when a required claim is missing or malformed.</summary>
    public static ServiceAccountClaims? FromJson(JsonObject claims)
    {
        try
        {
            var k8s = claims["kubernetes.io"] as JsonObject;
            var ns = Str(k8s?["namespace"]);
            var account = RefFrom(k8s?["serviceaccount"]);
            var exp = Seconds(claims["exp"]);
            var iat = Seconds(claims["iat"]) ?? Seconds(claims["nbf"]);
            if (ns is null || account is null || exp is null || iat is null || Str(claims["iss"]) is not { } iss)
            {
                return null;
            }

            // "aud" may be a single string or an array (RFC 7519 §4.1.3).
            IReadOnlyList<string> audiences = claims["aud"] switch
            {
                JsonArray a => [.. a.Select(Str).OfType<string>()],
                JsonValue v when Str(v) is { } one => [one],
                _ => [],
            };
            return new ServiceAccountClaims(iss, audiences, iat.Value, exp.Value, ns, account)
            {
                Id = Str(claims["jti"]) ?? "",
                Pod = RefFrom(k8s?["pod"]),
                Secret = RefFrom(k8s?["secret"]),
                Node = RefFrom(k8s?["node"]),
                WarnAfter = Seconds(k8s?["warnafter"]),
                NotBefore = Seconds(claims["nbf"]),
                SubjectClaim = Str(claims["sub"]),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>"nbf" as the token carried it (null when absent).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>"sub" as the token carried it.</summary>
    public string? SubjectClaim { get; init; }

    private static JsonObject Ref(ObjectRef r) => new() { ["name"] = r.Name, ["uid"] = r.Uid };

    private static void AddRef(JsonObject into, string key, ObjectRef? r)
    {
        if (r is not null)
        {
            into[key] = Ref(r);
        }
    }

    private static ObjectRef? RefFrom(JsonNode? node) =>
        node is JsonObject o && Str(o["name"]) is { Length: > 0 } name && Str(o["uid"]) is { } uid ? new ObjectRef(name, uid) : null;

    private static string? Str(JsonNode? node) => JsonAccess.AsString(node);

    private static DateTimeOffset? Seconds(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeSeconds((long)v.GetValue<double>()) : null;
}
