using System.Buffers.Text;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.ServiceAccounts;

/// <summary>Requests and decoding shared by the service-account tests.</summary>
internal static class ServiceAccountTestSupport
{
    public static string TokenPath(string ns, string name) => $"/api/v1/namespaces/{ns}/serviceaccounts/{name}/token";

    /// <summary>Creates a ServiceAccount and returns its UID.</summary>
    public static async Task<string> CreateAccountAsync(ApiServerFixture fx, string ns, string name, bool? automount = null)
    {
        var account = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ServiceAccount", ["metadata"] = new JsonObject { ["name"] = name } };
        if (automount is { } value)
        {
            account["automountServiceAccountToken"] = value;
        }

        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", account);
        ApiAssert.Code(201, created);
        return ApiResponse.Str(created.Body?["metadata"]?["uid"])!;
    }

    public static JsonObject Request(long? seconds = null, JsonArray? audiences = null, JsonObject? bound = null)
    {
        var spec = new JsonObject();
        if (audiences is not null)
        {
            spec["audiences"] = audiences;
        }

        if (seconds is { } s)
        {
            spec["expirationSeconds"] = s;
        }

        if (bound is not null)
        {
            spec["boundObjectRef"] = bound;
        }

        return new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenRequest", ["spec"] = spec };
    }

    /// <summary>POSTs a TokenRequest that must succeed and returns status.token.</summary>
    public static async Task<string> TokenAsync(ApiServerFixture fx, string ns, string name, JsonObject? request = null)
    {
        var answer = await fx.Client.PostAsync(TokenPath(ns, name), request ?? Request());
        ApiAssert.Code(201, answer);
        return ApiResponse.Str(answer.Body?["status"]?["token"])!;
    }

    /// <summary>The JSON payload of a compact JWS.</summary>
    public static JsonObject Payload(string jwt)
    {
        var parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
    }

    public static JsonObject Header(string jwt) => JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[0]))!.AsObject();

    /// <summary>A client of the fixture's server that presents <paramref name="token"/>.</summary>
    public static ApiClient ClientWith(ApiServerFixture fx, string token) => new(fx.Host.Url, fx.Host.Pki.ServerCaPem, token);

    /// <summary>kubectl auth whoami's request, answered for <paramref name="token"/>.</summary>
    public static Task<ApiResponse> WhoAmIAsync(ApiClient client) =>
        client.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" });
}
