using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.ServiceAccounts;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>
/// The requests about identity that are not stored objects: TokenRequest
/// (serviceaccounts/&lt;name&gt;/token), SelfSubjectReview (kubectl auth whoami) and the
/// service-account issuer's discovery documents (/.well-known/openid-configuration,
/// /openid/v1/jwks).
/// </summary>
internal sealed class AuthenticationEndpoint(ResourceCatalog catalog, ServiceAccountIssuer issuer, TokenRequestHandler tokens, string jwksUri, IEnumerable<Admission.IRequestAdmission> admission)
{
    public const string OpenIdConfigurationPath = "/.well-known/openid-configuration";
    public const string JwksPath = "/openid/v1/jwks";

    private readonly byte[] _openIdConfiguration = JsonSerializer.SerializeToUtf8Bytes(issuer.OpenIdConfiguration(jwksUri));
    private readonly byte[] _jwks = JsonSerializer.SerializeToUtf8Bytes(issuer.JsonWebKeySet());

    /// <summary>Serves <paramref name="info"/> when it is one of these resources; false leaves it to the generic endpoint.</summary>
    public async Task<bool> TryServeResourceAsync(HttpContext context, RequestInfo info, UserInfo user)
    {
        var ct = context.RequestAborted;
        // The token subresource is wherever a definition says it is served (serviceaccounts/token).
        if (info is { Subresource: { } sub, Namespace: { } ns, Name: { } name }
            && catalog.Find(info.Group, info.Version, info.Resource)?.Definition.Subresource(sub)?.Handler == SubresourceHandler.Token)
        {
            RequirePost(context);
            var request = await ReadObjectAsync(context, allowEmpty: true, ct).ConfigureAwait(false);
            var resource = catalog.Find(info.Group, info.Version, info.Resource)!;
            var answer = await tokens.CreateAsync(ns, name, request, ct, async (valid, admitCt) =>
            {
                var admitted = new Admission.AdmissionRequest(user, Admission.AdmissionOperation.Create, resource, sub, ns, name, valid, null);
                foreach (var plugin in admission)
                {
                    await plugin.ValidateAsync(admitted, admitCt).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            await ResponseBody.WriteJsonAsync(context, answer, 201).ConfigureAwait(false);
            return true;
        }

        if (info is { Group: TokenRequestHandler.Group, Resource: "selfsubjectreviews" } && info.Version is "v1" or "v1beta1")
        {
            if (info.Name is not null || info.Namespace is not null)
            {
                throw new ApiException(System.Net.HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource: selfsubjectreviews are cluster-scoped and have no names; POST one to /apis/authentication.k8s.io/v1/selfsubjectreviews");
            }

            RequirePost(context);
            await ReadObjectAsync(context, allowEmpty: true, ct).ConfigureAwait(false);
            await ResponseBody.WriteJsonAsync(context, SelfSubjectReview(user, $"{TokenRequestHandler.Group}/{info.Version}"), 201).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    /// <summary>Serves the issuer discovery documents; false for any other path.</summary>
    public async Task<bool> TryServeNonResourceAsync(HttpContext context, string path)
    {
        var (body, contentType) = path.TrimEnd('/') switch
        {
            OpenIdConfigurationPath => (_openIdConfiguration, "application/json"),
            JwksPath => (_jwks, "application/jwk-set+json"),
            _ => (null, ""),
        };
        if (body is null)
        {
            return false;
        }

        if (context.Request.Method is not ("GET" or "HEAD"))
        {
            throw ApiException.MethodNotAllowed($"{context.Request.Method} is not supported on {path}");
        }

        // Upstream lets relying parties cache these for an hour.
        context.Response.Headers.CacheControl = "public, max-age=3600";
        await ResponseBody.WriteAsync(context, contentType, body).ConfigureAwait(false);
        return true;
    }

    /// <summary>What kubectl auth whoami prints: the requester's user name, UID, groups and extra.</summary>
    public static JsonObject SelfSubjectReview(UserInfo user, string apiVersion)
    {
        var userInfo = new JsonObject { ["username"] = user.Name };
        if (user.Uid is { } uid)
        {
            userInfo["uid"] = uid;
        }

        userInfo["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode?)g).ToArray());
        if (user.Extra.Count > 0)
        {
            var extra = new JsonObject();
            foreach (var (key, values) in user.Extra.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                extra[key] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
            }

            userInfo["extra"] = extra;
        }

        return new JsonObject
        {
            ["kind"] = "SelfSubjectReview",
            ["apiVersion"] = apiVersion,
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["status"] = new JsonObject { ["userInfo"] = userInfo },
        };
    }

    private static void RequirePost(HttpContext context)
    {
        if (context.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed($"{context.Request.Method} is not supported on {context.Request.Path}: only POST (create) is");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, bool allowEmpty, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(context, ct).ConfigureAwait(false);
        if (body.Length == 0 && allowEmpty)
        {
            return new JsonObject();
        }

        return RequestBody.Parse(body, RequestBody.MediaType(context), isPatch: false) as JsonObject
            ?? throw ApiException.BadRequest("the request body must be a JSON object (a Kubernetes resource), not an array or a scalar");
    }
}
