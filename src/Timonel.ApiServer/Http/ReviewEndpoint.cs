using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Reviews;
using Timonel.ApiServer.Security;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Serves the review resources (TokenReview and the access reviews): create-only, never stored.
/// A POST to the collection is answered 201 with the object sent, its status filled; any other
/// method on the collection is 405 and a named path is 404, as upstream routes create-only
/// storage. SelfSubjectReview is the <see cref="AuthenticationEndpoint"/>'s.
/// </summary>
internal sealed class ReviewEndpoint(ResourceCatalog catalog, TokenReviewer tokens, AccessReviewer access)
{
    /// <summary>Serves <paramref name="info"/> when it addresses a review; false leaves it to the other endpoints.</summary>
    public async Task<bool> TryServeAsync(HttpContext context, RequestInfo info, UserInfo user)
    {
        var resource = catalog.Find(info.Group, info.Version, info.Resource);
        var handler = resource?.Definition.Handler;
        if (resource is null || handler is ResourceHandler.Store or ResourceHandler.Binding or ResourceHandler.ComponentStatus or ResourceHandler.SelfSubjectReview or ResourceHandler.Metrics
            || (info.Namespace is not null && !resource.Namespaced))
        {
            return false;
        }

        if (info.Name is not null || (resource.Namespaced && info.Namespace is null))
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource: {resource.GroupResource} are only created, by POST to {Collection(resource)}");
        }

        if (context.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed($"{context.Request.Method} is not supported on {context.Request.Path}: {resource.GroupResource} are only created (POST), never stored");
        }

        var ct = context.RequestAborted;
        var review = await ReadReviewAsync(context, resource, ct).ConfigureAwait(false);
        if (info.Namespace is { } ns)
        {
            // As upstream's create handler: the path's namespace is the object's.
            var metadata = (JsonObject)review["metadata"]!;
            if (metadata["namespace"] is JsonValue v && v.TryGetValue<string>(out var given) && given.Length > 0 && given != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns;
        }

        switch (handler)
        {
            case ResourceHandler.TokenReview:
                await tokens.ReviewAsync(review, ct).ConfigureAwait(false);
                break;
            case ResourceHandler.SubjectAccessReview:
                await access.SubjectAsync(review, ct).ConfigureAwait(false);
                break;
            case ResourceHandler.LocalSubjectAccessReview:
                await access.LocalAsync(review, info.Namespace!, ct).ConfigureAwait(false);
                break;
            case ResourceHandler.SelfSubjectAccessReview:
                await access.SelfAsync(review, user, ct).ConfigureAwait(false);
                break;
            case ResourceHandler.SelfSubjectRulesReview:
                await access.RulesAsync(review, user, ct).ConfigureAwait(false);
                break;
            default:
                return false;
        }

        await ResponseBody.WriteJsonAsync(context, review, 201).ConfigureAwait(false);
        return true;
    }

    private static string Collection(ApiResource resource) =>
        $"/apis/{resource.Group}/{resource.Version}/{(resource.Namespaced ? "namespaces/<namespace>/" : "")}{resource.Plural}";

    /// <summary>The body as a review of <paramref name="resource"/>'s kind: apiVersion and kind, when given, must be its own.</summary>
    private static async Task<JsonObject> ReadReviewAsync(HttpContext context, ApiResource resource, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(context, ct).ConfigureAwait(false);
        if (body.Length == 0)
        {
            throw ApiException.BadRequest($"the request body is empty: send a {resource.Kind}");
        }

        var review = RequestBody.Parse(body, RequestBody.MediaType(context), isPatch: false) as JsonObject
            ?? throw ApiException.BadRequest("the request body must be a JSON object (a Kubernetes resource), not an array or a scalar");
        TypeMeta.Check(review, resource);

        // The answer is the request's object with status filled, as upstream echoes it.
        var answer = new JsonObject
        {
            ["kind"] = resource.Kind,
            ["apiVersion"] = resource.ApiVersion,
            ["metadata"] = review["metadata"]?.DeepClone() ?? new JsonObject(),
        };
        var metadata = (JsonObject)answer["metadata"]!;
        if (!metadata.ContainsKey("creationTimestamp"))
        {
            metadata["creationTimestamp"] = null;
        }

        foreach (var (key, value) in review)
        {
            if (key is not ("kind" or "apiVersion" or "metadata" or "status"))
            {
                answer[key] = value?.DeepClone();
            }
        }

        return answer;
    }
}
