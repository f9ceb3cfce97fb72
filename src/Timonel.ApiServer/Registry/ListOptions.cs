using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Http;
using Timonel.Registry.Resources;
using Timonel.Registry.Selectors;

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
    private const string Exact = "Exact";
    private const string NotOlderThan = "NotOlderThan";
    private const string MatchField = "resourceVersionMatch";

    public static ListOptions From(ApiResource resource, IQueryCollection query)
    {
        var labels = LabelSelector.Parse(NullIfEmpty(query["labelSelector"]));
        var fields = FieldSelector.Parse(NullIfEmpty(query["fieldSelector"]));

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
        var watch = QueryBool.Parse(query["watch"]);
        var sendInitialEvents = QueryBool.ParseOptional(query["sendInitialEvents"]);
        var continueText = NullIfEmpty(query["continue"]);
        var errors = watch
            ? WatchOptionErrors(match, sendInitialEvents, continueText)
            : ListOptionErrors(rv, match, sendInitialEvents, continueText);
        if (errors.Count > 0)
        {
            // Upstream's handlers answer ValidateListOptions' findings as a 422 about "ListOptions".
            throw ApiException.Invalid("meta.k8s.io", "ListOptions", "", errors);
        }

        // Upstream checks selector fields after ValidateListOptions.
        ObjectFields.Validate(resource, fields);
        var cont = continueText is { } c ? ContinueToken.Decode(c) : null;
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
            watch, QueryBool.Parse(query["allowWatchBookmarks"]), sendInitialEvents, timeout);
    }

    // Upstream's ValidateListOptions for a list or deletecollection (apimachinery's
    // internalversion/validation), same checks in the same order, same texts. This server serves
    // watch lists, so it behaves as upstream with the WatchList feature on.
    private static List<FieldError> ListOptionErrors(string? rv, string? match, bool? sendInitialEvents, string? continueText)
    {
        var errors = new List<FieldError>();
        if (match is not null)
        {
            if (rv is null)
            {
                errors.Add(FieldError.Forbidden(MatchField, "resourceVersionMatch is forbidden unless resourceVersion is provided"));
            }

            if (continueText is not null)
            {
                errors.Add(FieldError.Forbidden(MatchField, "resourceVersionMatch is forbidden when continue is provided"));
            }

            if (match is not (Exact or NotOlderThan))
            {
                errors.Add(FieldError.NotSupported(MatchField, match, [Exact, NotOlderThan, ""]));
            }

            if (match == Exact && rv == "0")
            {
                errors.Add(FieldError.Forbidden(MatchField, "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
            }
        }

        if (sendInitialEvents is not null)
        {
            errors.Add(FieldError.Forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
        }

        return errors;
    }

    // The watch half of upstream's ValidateListOptions.
    private static List<FieldError> WatchOptionErrors(string? match, bool? sendInitialEvents, string? continueText)
    {
        var errors = new List<FieldError>();
        if (sendInitialEvents is not null && match != NotOlderThan)
        {
            errors.Add(FieldError.Forbidden(MatchField, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
        }

        if (match is not null)
        {
            if (sendInitialEvents is null)
            {
                errors.Add(FieldError.Forbidden(MatchField, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
            }

            if (match != NotOlderThan)
            {
                errors.Add(FieldError.NotSupported(MatchField, match, [NotOlderThan]));
            }

            if (continueText is not null)
            {
                errors.Add(FieldError.Forbidden(MatchField, "resourceVersionMatch is forbidden when continue is provided"));
            }
        }

        return errors;
    }

    /// <summary>
    /// Whether a stored object passes the selectors. A custom resource's own fields are read from
    /// the object as the request's version reads it (upstream evaluates selectableFields on the
    /// object decoded in that version); for a webhook-converted resource use
    /// <see cref="MatchesAsync"/> or <see cref="MatchAllAsync"/>, which convert first.
    /// </summary>
    public bool Matches(ApiResource resource, JsonObject obj) =>
        (Labels.IsEmpty || Labels.Matches(ObjectMetaAccess.Labels(obj))) &&
        (Fields.IsEmpty || Fields.Matches(ObjectFields.Get(resource, ReadsContent(resource) && !resource.ConvertsRemotely ? resource.FromStorage(obj) : obj)));

    /// <summary>As <see cref="Matches"/>, converting through the resource's webhook when its fields need the object in the request's version.</summary>
    public async ValueTask<bool> MatchesAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        if (!ReadsContent(resource) || !resource.ConvertsRemotely)
        {
            return Matches(resource, obj);
        }

        return (Labels.IsEmpty || Labels.Matches(ObjectMetaAccess.Labels(obj)))
            && Fields.Matches(ObjectFields.Get(resource, await resource.FromStorageAsync(obj, cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>As <see cref="Matches"/> for many stored objects; a webhook converts those the labels let through in one request.</summary>
    public async Task<bool[]> MatchAllAsync(ApiResource resource, IReadOnlyList<JsonObject> stored, CancellationToken cancellationToken)
    {
        if (!ReadsContent(resource) || !resource.ConvertsRemotely)
        {
            return stored.Select(o => Matches(resource, o)).ToArray();
        }

        var result = stored.Select(o => Labels.IsEmpty || Labels.Matches(ObjectMetaAccess.Labels(o))).ToArray();
        var candidates = Enumerable.Range(0, stored.Count).Where(i => result[i]).ToList();
        var views = await resource.FromStorageAsync(candidates.Select(i => stored[i]).ToList(), cancellationToken).ConfigureAwait(false);
        for (var j = 0; j < candidates.Count; j++)
        {
            result[candidates[j]] = Fields.Matches(ObjectFields.Get(resource, views[j]));
        }

        return result;
    }

    // True when the field selector names a custom resource's own fields (anything but metadata), which differ per version.
    private bool ReadsContent(ApiResource resource) =>
        !Fields.IsEmpty && resource.Definition.Custom is not null && Fields.Fields.Any(f => !f.StartsWith("metadata.", StringComparison.Ordinal));


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
