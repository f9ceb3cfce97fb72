using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Http;

namespace Timonel.ApiServer.Registry;

/// <summary>meta/v1 DeleteOptions, from the body and/or the query string.</summary>
internal sealed record DeleteOptions(long? GracePeriodSeconds, string? PropagationPolicy, string? PreconditionUid, string? PreconditionResourceVersion, bool DryRun)
{
    /// <summary>Who asked, for admission that depends on it (NodeRestriction); null for the server's own deletes.</summary>
    public Security.UserInfo? User { get; init; }

    private static readonly string[] Policies = ["Orphan", "Background", "Foreground"];

    public static DeleteOptions From(IQueryCollection query, JsonObject? body)
    {
        long? grace = null;
        if (JsonAccess.WholeNumber(body?["gracePeriodSeconds"]) is { } g)
        {
            grace = g;
        }
        else if (query["gracePeriodSeconds"].ToString() is { Length: > 0 } gs)
        {
            grace = long.TryParse(gs, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiException.BadRequest($"gracePeriodSeconds must be an integer, got \"{gs}\"");
        }

        if (grace < 0)
        {
            grace = 1; // upstream turns a negative grace period into the shortest graceful one
        }

        var policy = JsonAccess.AsString(body?["propagationPolicy"]) ?? NullIfEmpty(query["propagationPolicy"].ToString());
        if (policy is not null && !Policies.Contains(policy))
        {
            throw ApiException.BadRequest($"propagationPolicy \"{policy}\" is not supported: use one of Orphan, Background, Foreground");
        }

        var orphan = body?["orphanDependents"] is JsonValue o && o.TryGetValue<bool>(out var fromBody) ? fromBody : QueryBool.ParseOptional(query["orphanDependents"]);
        if (policy is null && orphan is { } orphanDependents)
        {
            policy = orphanDependents ? "Orphan" : "Background";
        }

        var dryRun = body?["dryRun"] is JsonArray dr && dr.Any(d => JsonAccess.AsString(d) == "All") || query["dryRun"].ToString() == "All";
        return new DeleteOptions(grace, policy, JsonAccess.AsString(body?["preconditions"]?["uid"]), JsonAccess.AsString(body?["preconditions"]?["resourceVersion"]), dryRun);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
