using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Validation;
using Timonel.Registry.OpenApi;

namespace Timonel.ApiServer.Aggregation;

/// <summary>
/// Upstream's OpenAPI aggregation controllers: the /openapi/v2 document and the /openapi/v3
/// document of its group/version are fetched from each available APIService's backend when the
/// APIService is first seen or changes, and again every <see cref="RefreshInterval"/>, and merged
/// into the server's own documents (<see cref="OpenApiDocuments.SetAggregated"/>). A fetch that
/// fails keeps what the backend gave last time (or nothing); it never fails the documents. A
/// deleted APIService's documents leave at the next pass. Called by the availability controller,
/// one pass at a time.
/// </summary>
internal sealed partial class AggregatedOpenApi(OpenApiDocuments documents, TimeProvider time, ILogger<AggregatedOpenApi> logger)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Sends a GET to the APIService's backend: the status code and body, or throws when the backend cannot be reached.</summary>
    public delegate Task<(HttpStatusCode Status, byte[] Body)> BackendGet(string pathAndQuery, CancellationToken cancellationToken);

    /// <summary>How long a fetched document is kept before it is fetched again (upstream: 1 minute).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>True when the APIService (as <paramref name="version"/> identifies its spec) has never been fetched, changed, or is due again.</summary>
    public bool IsDue(string apiService, string version) =>
        !_entries.TryGetValue(apiService, out var entry) || entry.Version != version || time.GetUtcNow() - entry.FetchedAt >= RefreshInterval;

    /// <summary>Fetches both documents of one available APIService and publishes the merged documents when they changed.</summary>
    public async Task RefreshAsync(ApiServiceRoute route, string version, BackendGet get, CancellationToken cancellationToken)
    {
        _entries.TryGetValue(route.Name, out var previous);
        var v3Path = route.Group.Length == 0 ? $"api/{route.Version}" : $"apis/{route.Group}/{route.Version}";
        var v2 = await FetchAsync(route.Name, "/openapi/v2", get, previous?.V2Bytes, cancellationToken).ConfigureAwait(false);
        var v3 = await FetchV3Async(route.Name, v3Path, get, previous?.V3, cancellationToken).ConfigureAwait(false);
        var entry = new Entry(version, time.GetUtcNow(), v2, v3, v3Path);
        _entries[route.Name] = entry;
        if (previous is null || !Same(previous.V2Bytes, v2) || !Same(previous.V3, v3) || previous.V3Path != v3Path)
        {
            Publish();
        }
    }

    /// <summary>Drops the documents of APIServices no longer present (deleted, or now local).</summary>
    public void Retain(IReadOnlySet<string> apiServices)
    {
        var gone = _entries.Keys.Where(k => !apiServices.Contains(k)).ToList();
        foreach (var name in gone)
        {
            _entries.Remove(name);
        }

        if (gone.Count > 0)
        {
            Publish();
        }
    }

    private void Publish() =>
        documents.SetAggregated(_entries.Select(kv => new AggregatedSpec(kv.Key, kv.Value.V3Path, kv.Value.V2Bytes, kv.Value.V3)).ToList());

    // The backend's /openapi/v3 index names its group/version's document; that document is fetched.
    private async Task<byte[]?> FetchV3Async(string apiService, string v3Path, BackendGet get, byte[]? previous, CancellationToken cancellationToken)
    {
        var index = await FetchAsync(apiService, "/openapi/v3", get, null, cancellationToken).ConfigureAwait(false);
        if (index is null)
        {
            return previous;
        }

        var url = Parse(index).Obj("paths").Obj(v3Path).Str("serverRelativeURL");
        if (url is null || !url.StartsWith('/'))
        {
            // The backend publishes nothing for this group/version.
            Log.NoDocument(logger, apiService, v3Path);
            return null;
        }

        return await FetchAsync(apiService, url, get, previous, cancellationToken).ConfigureAwait(false);
    }

    // A 2xx JSON object is the new document; anything else keeps the previous one.
    private async Task<byte[]?> FetchAsync(string apiService, string path, BackendGet get, byte[]? previous, CancellationToken cancellationToken)
    {
        try
        {
            var (status, body) = await get(path, cancellationToken).ConfigureAwait(false);
            if ((int)status is >= 200 and < 300 && Parse(body) is not null)
            {
                return body;
            }

            Log.FetchFailed(logger, apiService, path, $"status {(int)status}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Security.Authentication.AuthenticationException or EndpointResolutionException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.FetchFailed(logger, apiService, path, e.Message);
        }

        return previous;
    }

    private static JsonObject? Parse(byte[]? body)
    {
        if (body is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private sealed record Entry(string Version, DateTimeOffset FetchedAt, byte[]? V2Bytes, byte[]? V3, string V3Path);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "aggregator: OpenAPI of APIService {Name}: GET {Path} failed ({Reason}); keeping the last document")]
        public static partial void FetchFailed(ILogger logger, string name, string path, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "aggregator: APIService {Name} publishes no OpenAPI v3 document for {Path}")]
        public static partial void NoDocument(ILogger logger, string name, string path);
    }
}
