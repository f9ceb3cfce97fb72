using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Reviews;

/// <summary>
/// authentication.k8s.io/v1 TokenReview (upstream's tokenreview REST): spec.token is put to the
/// server's own authenticator, for spec.audiences (the API server's audiences when empty), and
/// status says whether it authenticated, as whom, for which audiences, or why not.
/// </summary>
internal sealed class TokenReviewer(Authenticator authenticator, IReadOnlyList<string> apiAudiences)
{
    private static readonly ReviewFields Fields = new("TokenReview");

    /// <summary>Fills <paramref name="review"/>'s status.</summary>
    public async Task ReviewAsync(JsonObject review, CancellationToken ct)
    {
        var spec = Fields.Obj(review, "spec", "spec");
        var token = Fields.Str(spec, "token", "spec.token");
        var audiences = Fields.Strings(spec, "audiences", "spec.audiences");
        if (token.Length == 0)
        {
            throw ApiException.BadRequest("token is required for TokenReview in authentication");
        }

        var verdict = await authenticator.ReviewTokenAsync(token, audiences, apiAudiences, ct).ConfigureAwait(false);
        // Upstream always writes status.user, empty when the token did not authenticate.
        var status = new JsonObject();
        if (verdict.User is { } user)
        {
            status["authenticated"] = true;
            status["user"] = UserInfoJson.Of(user);
            status["audiences"] = new JsonArray([.. verdict.Audiences.Select(a => (JsonNode?)a)]);
        }
        else
        {
            status["user"] = new JsonObject();
            if (verdict.Error is { Length: > 0 } error)
            {
                status["error"] = error;
            }
        }

        review["status"] = status;
    }
}
