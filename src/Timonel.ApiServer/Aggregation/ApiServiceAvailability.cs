using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Aggregation;

/// <summary>
/// Upstream's remote availability controller: for every APIService with a service it checks
/// that the Service exists (ServiceNotFound), listens on the port (ServicePortError), has a ready
/// endpoint for it (EndpointsNotFound, MissingEndpoints), and that the backend answers its
/// discovery document /apis/GROUP/VERSION with a 2xx (FailedDiscoveryCheck); then it is
/// Available (Passed). The status is written only when the condition changes. The discovery
/// document fetched by the check feeds <see cref="AggregatedDiscovery"/>. Every API server runs
/// one, passing over all APIServices every <see cref="Interval"/>. An available backend's OpenAPI
/// documents are fetched through the same endpoint when <see cref="AggregatedOpenApi"/> says they are due.
/// </summary>
internal sealed partial class ApiServiceAvailability(
    ResourceCatalog catalog,
    WatchedObjects apiServices,
    WatchedObjects services,
    ServiceEndpointResolver resolver,
    BackendTransport transport,
    AggregatedDiscovery discovery,
    ObjectStore objects,
    ObjectWriter writer,
    TimeProvider time,
    ILogger<ApiServiceAvailability> logger,
    AggregatedOpenApi? openApi = null)
{
    /// <summary>Upstream gives the discovery check 5 s.</summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long one OpenAPI document may take to download (they run to megabytes).</summary>
    private static readonly TimeSpan OpenApiTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often every APIService is checked again.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SyncAllAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ApiException or Storage.StoreUnavailableException or HttpRequestException)
            {
                Log.PassFailed(logger, e.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(Interval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Checks every remote APIService once and publishes what discovery shows.</summary>
    public async Task SyncAllAsync(CancellationToken cancellationToken)
    {
        var remote = new List<ApiServiceRoute>();
        var resourceLists = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var apiService in await apiServices.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            var route = ApiServiceRoute.From(apiService);
            if (route.Service is null)
            {
                continue;
            }

            var (condition, resourceList, endpoint) = await CheckAsync(route, route.Service, cancellationToken).ConfigureAwait(false);
            await WriteConditionAsync(apiService, condition, cancellationToken).ConfigureAwait(false);
            remote.Add(route with { Available = condition.Status == "True" });
            if (resourceList is not null)
            {
                resourceLists[route.Name] = resourceList;
            }

            await RefreshOpenApiAsync(apiService, route, condition, endpoint, cancellationToken).ConfigureAwait(false);
        }

        discovery.Publish(new AggregatedDiscovery.Snapshot(remote, resourceLists));
        openApi?.Retain(remote.Select(r => r.Name).ToHashSet(StringComparer.Ordinal));
    }

    // An available backend's OpenAPI, fetched from the endpoint that passed the check; an
    // unavailable one keeps what it last published.
    private async Task RefreshOpenApiAsync(JsonObject apiService, ApiServiceRoute route, Condition condition, (string Host, int Port)? endpoint, CancellationToken cancellationToken)
    {
        // The spec, and whether the APIService was available before this pass: a change of either fetches again.
        var version = apiService.Obj("spec")?.ToJsonString() + "|" + apiService.Obj("status").Arr("conditions").Objects().Select(c => c.Item).FirstOrDefault(c => c.Str("type") == "Available").Str("status");
        if (openApi is null || condition.Status != "True" || endpoint is not { } target || route.Service is not { } reference || !openApi.IsDue(route.Name, version))
        {
            return;
        }

        await openApi.RefreshAsync(route, version, async (path, ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(OpenApiTimeout);
            using var response = await SendAsync(route, reference, target, path, timeout.Token).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
    }

    // A GET of the backend as the aggregator (system:kube-aggregator, system:masters), through the APIService's transport.
    private async Task<HttpResponseMessage> SendAsync(ApiServiceRoute route, ServiceReference reference, (string Host, int Port) endpoint, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, BackendTransport.DestinationPrefix(reference) + path);
        request.Headers.TryAddWithoutValidation(ProxyHeaders.User, "system:kube-aggregator");
        request.Headers.TryAddWithoutValidation(ProxyHeaders.Group, Security.UserInfo.SystemMastersGroup);
        request.Headers.Accept.ParseAdd("application/json");
        BackendTransport.Target(request, endpoint);
        return await transport.For(route).SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(Condition Condition, JsonObject? ResourceList, (string Host, int Port)? Endpoint)> CheckAsync(ApiServiceRoute route, ServiceReference reference, CancellationToken cancellationToken)
    {
        var where = $"service/{reference.Name} in \"{reference.Namespace}\"";
        var service = await services.GetAsync(reference.Namespace, reference.Name, cancellationToken).ConfigureAwait(false);
        if (service is null)
        {
            return (Condition.False("ServiceNotFound", $"{where} is not present"), null, null);
        }

        if ((service.Obj("spec").Str("type") ?? "ClusterIP") == "ClusterIP")
        {
            var port = ServiceRouting.ServiceResolver.PortByNumber(service, reference.Port);
            if (port is null)
            {
                return (Condition.False("ServicePortError", $"{where} is not listening on port {reference.Port}"), null, null);
            }

            var portName = port.Str("name") ?? "";
            var slices = await resolver.Slices.SlicesOfAsync(reference.Namespace, reference.Name, cancellationToken).ConfigureAwait(false);
            if (slices.Count == 0)
            {
                return (Condition.False("EndpointsNotFound", $"cannot find endpointslices for {where}"), null, null);
            }

            if (!ServiceRouting.EndpointSliceSource.HasReadyEndpoint(slices, reference.Name, portName))
            {
                return (Condition.False("MissingEndpoints", $"endpointslices for {where} have no addresses with port name \"{portName}\""), null, null);
            }
        }

        var path = route.Name == "v1." ? $"/api/{route.Version}" : $"/apis/{route.Group}/{route.Version}";
        var (host, endpointPort) = ("", 0);
        try
        {
            (host, endpointPort) = await resolver.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
            var url = $"https://{HostPart(host)}:{endpointPort}{path}";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CheckTimeout);
            HttpResponseMessage response;
            try
            {
                response = await SendAsync(route, reference, (host, endpointPort), path, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or System.Security.Authentication.AuthenticationException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var reason = e is OperationCanceledException ? "context deadline exceeded" : Innermost(e);
                return (Condition.False("FailedDiscoveryCheck", $"failing or missing response from {url}: {reason}"), null, null);
            }

            using (response)
            {
                if ((int)response.StatusCode is < 200 or >= 300)
                {
                    return (Condition.False("FailedDiscoveryCheck", $"failing or missing response from {url}: bad status from {url}: {(int)response.StatusCode}"), null, null);
                }

                var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                var resourceList = TryParse(body);
                return (new Condition("True", "Passed", "all checks passed"), resourceList, (host, endpointPort));
            }
        }
        catch (EndpointResolutionException e)
        {
            return (Condition.False("FailedDiscoveryCheck", e.Message), null, null);
        }
    }

    private static JsonObject? TryParse(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string HostPart(string host) =>
        IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }

    private async Task WriteConditionAsync(JsonObject apiService, Condition condition, CancellationToken cancellationToken)
    {
        var conditions = apiService.Obj("status").Arr("conditions");
        var current = conditions.Objects().Select(c => c.Item).FirstOrDefault(c => c.Str("type") == "Available");
        if (current is not null && current.Str("status") == condition.Status && current.Str("reason") == condition.Reason && current.Str("message") == condition.Message)
        {
            return;
        }

        if (current?.Str("status") != condition.Status || current is null)
        {
            Log.Availability(logger, apiService.Obj("metadata").Str("name") ?? "", condition.Status, condition.Reason, condition.Message);
        }

        var resource = catalog.Find("apiregistration.k8s.io", "v1", "apiservices")!;
        var name = apiService.Obj("metadata").Str("name")!;
        var stored = await objects.GetAsync(resource, null, name, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return;
        }

        var updated = stored.Object.DeepClone().AsObject();
        var transition = current is not null && current.Str("status") == condition.Status
            ? current["lastTransitionTime"]?.DeepClone()
            : JsonValue.Create(ObjectMetaAccess.Timestamp(time.GetUtcNow()));
        var others = stored.Object.Obj("status").Arr("conditions").Objects().Select(c => c.Item).Where(c => c.Str("type") != "Available").Select(c => (JsonNode)c.DeepClone());
        updated["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray([.. others, new JsonObject
            {
                ["type"] = "Available",
                ["status"] = condition.Status,
                ["lastTransitionTime"] = transition,
                ["reason"] = condition.Reason,
                ["message"] = condition.Message,
            }]),
        };
        try
        {
            await writer.UpdateAsync(resource, updated, stored, "status", WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Reason is "Conflict" or "NotFound")
        {
            // Changed or deleted meanwhile: the next pass looks again.
        }
    }

    private sealed record Condition(string Status, string Reason, string Message)
    {
        public static Condition False(string reason, string message) => new("False", reason, message);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "aggregator: APIService {Name} is now Available={Status} ({Reason}: {Message})")]
        public static partial void Availability(ILogger logger, string name, string status, string reason, string message);

        [LoggerMessage(Level = LogLevel.Warning, Message = "aggregator: availability pass failed: {Reason}")]
        public static partial void PassFailed(ILogger logger, string reason);
    }
}
