using System.Globalization;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;

namespace Timonel.Kubelet.Server;

/// <summary>The options of a container log request, upstream's PodLogOptions query parameters.</summary>
internal sealed record LogRequest(bool Follow, bool Previous, long? TailLines, DateTimeOffset? Since, bool Timestamps, long? LimitBytes)
{
    public static LogRequest Parse(IQueryCollection query, DateTimeOffset now)
    {
        var tail = Long(query, "tailLines");
        var limit = Long(query, "limitBytes");
        var sinceSeconds = Long(query, "sinceSeconds");
        if (tail < 0)
        {
            throw ApiException.BadRequest("tailLines must be 0 or greater");
        }

        if (limit <= 0)
        {
            throw ApiException.BadRequest("limitBytes must be greater than 0");
        }

        if (sinceSeconds <= 0)
        {
            throw ApiException.BadRequest("sinceSeconds must be greater than 0");
        }

        DateTimeOffset? since = sinceSeconds is { } s ? now.AddSeconds(-s) : null;
        if (query["sinceTime"].FirstOrDefault() is { Length: > 0 } sinceTime)
        {
            if (since is not null)
            {
                throw ApiException.BadRequest("at most one of sinceTime or sinceSeconds may be specified");
            }

            since = DateTimeOffset.TryParse(sinceTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t
                : throw ApiException.BadRequest($"sinceTime \"{sinceTime}\" is not an RFC3339 time");
        }

        return new LogRequest(Bool(query, "follow"), Bool(query, "previous"), tail, since, Bool(query, "timestamps"), limit);
    }

    private static bool Bool(IQueryCollection query, string name) =>
        query[name].FirstOrDefault() is { } v && (v.Length == 0 || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1");

    private static long? Long(IQueryCollection query, string name) =>
        query[name].FirstOrDefault() is not { Length: > 0 } v ? null
        : long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : throw ApiException.BadRequest($"{name} \"{v}\" is not an integer");
}
