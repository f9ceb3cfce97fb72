using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Resources;
using Timonel.Api.Selectors;

namespace Timonel.ApiServer.Registry;

/// <summary>List and watch parameters, parsed and checked (400 on nonsense).</summary>
internal sealed record ListOptions(
    LabelSelector Labels,
    FieldSelector Fields,
    long Limit,
    ContinueToken? Continue,
    string? ResourceVersion,
    string? ResourceVersionMatch,
    bool Watch,
    bool AllowBookmarks,
    bool? SendInitialEvents,
    int? TimeoutSeconds)
{
    public static ListOptions From(ApiResource resource, IQueryCollection query)
    {
        var labels = LabelSelector.Parse(NullIfEmpty(query["labelSelector"]));
        var fields = FieldSelector.Parse(NullIfEmpty(query["fieldSelector"]));
        ObjectFields.Validate(resource, fields);

        long limit = 0;
        if (NullIfEmpty(query["limit"]) is { } l && (!long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit)))
        {
            throw ApiException.BadRequest($"limit must be a non-negative integer, got \"{l}\"");
        }

        var rv = NullIfEmpty(query["resourceVersion"]);
        if (rv is not null && !long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw ApiException.BadRequest($"resourceVersion \"{rv}\" is invalid: use a value the server returned, \"0\", or none");
        }

        var match = NullIfEmpty(query["resourceVersionMatch"]);
        if (match is not null && match is not ("Exact" or "NotOlderThan"))
        {
            throw ApiException.BadRequest($"resourceVersionMatch \"{match}\" is not supported: use Exact or NotOlderThan");
        }

        var watch = Bool(query["watch"]);
        bool? sendInitialEvents = NullIfEmpty(query["sendInitialEvents"]) is { } sie ? Bool(sie) : null;
        if (watch)
        {
            // Upstream's watch rules (client-go's WatchList sends sendInitialEvents=true,
            // resourceVersionMatch=NotOlderThan and, on a first start, no resourceVersion).
            if (sendInitialEvents is not null && match != "NotOlderThan")
            {
                throw ApiException.BadRequest("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
            }

            if (match is not null && sendInitialEvents is null)
            {
                throw ApiException.BadRequest("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
            }

            if (match is not null and not "NotOlderThan")
            {
                throw ApiException.BadRequest($"resourceVersionMatch \"{match}\" is not supported for watch: use NotOlderThan");
            }
        }
        else if (match is not null && rv is null)
        {
            throw ApiException.BadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
        }

        var cont = NullIfEmpty(query["continue"]) is { } c ? ContinueToken.Decode(c) : null;
        if (cont is not null && rv is not null && rv != "0")
        {
            throw ApiException.BadRequest("specifying resource version is not allowed when using continue");
        }

        int? timeout = null;
        if (NullIfEmpty(query["timeoutSeconds"]) is { } t)
        {
            timeout = int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ts)
                ? ts
                : throw ApiException.BadRequest($"timeoutSeconds must be a non-negative integer, got \"{t}\"");
        }

        return new ListOptions(labels, fields, limit, cont, rv, match,
            watch, Bool(query["allowWatchBookmarks"]), sendInitialEvents, timeout);
    }

    public bool Matches(ApiResource resource, JsonObject obj) =>
        (Labels.IsEmpty || Labels.Matches(Meta.Labels(obj))) &&
        (Fields.IsEmpty || Fields.Matches(ObjectFields.Get(resource, obj)));

    private static bool Bool(string? s) => s is "true" or "1";

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

/// <summary>An opaque continue token: the revision the first page was read at and the last key returned.</summary>
internal sealed record ContinueToken(long Revision, string StartAfterKey)
{
    public string Encode() =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = Revision, ["start"] = StartAfterKey }))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static ContinueToken Decode(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var node = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
            if (node?["v"]?.GetValue<string>() == "meta.k8s.io/v1" && node["rv"]?.GetValue<long>() is > 0 and var rv && node["start"]?.GetValue<string>() is { } start)
            {
                return new ContinueToken(rv, start);
            }
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
        }

        throw ApiException.BadRequest("continue key is not valid: use the continue value from the previous list response unchanged");
    }
}
