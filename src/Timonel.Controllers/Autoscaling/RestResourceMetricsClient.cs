using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.Controllers.Dynamic;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// Reads PodMetrics from the metrics.k8s.io/v1beta1 API the control plane serves
/// (GET /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods?labelSelector=...), as upstream's
/// resource metrics client: a pod counts only when every container reports the resource (or the
/// named container does); the timestamp is the first item's.
/// </summary>
public sealed class RestResourceMetricsClient(DynamicClient client) : IResourceMetricsClient
{
    public async Task<(IReadOnlyDictionary<string, PodMetric> Metrics, DateTimeOffset Timestamp)> GetResourceMetricAsync(
        string resource, string @namespace, LabelSelector selector, string? container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var path = $"apis/metrics.k8s.io/v1beta1/namespaces/{Uri.EscapeDataString(@namespace)}/pods";
        var text = selector.ToString();
        if (text.Length > 0)
        {
            path += "?labelSelector=" + Uri.EscapeDataString(text);
        }

        JsonObject list;
        try
        {
            list = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e)
        {
            throw new ResourceMetricsException($"unable to fetch metrics from resource metrics API: {KindMapper.ServerMessage(e)} (get pods.metrics.k8s.io)");
        }

        return FromList(list, resource, @namespace, container);
    }

    /// <summary>A PodMetricsList read as upstream's client reads it.</summary>
    /// <exception cref="ResourceMetricsException">No items, or the named container lacks the resource.</exception>
    internal static (IReadOnlyDictionary<string, PodMetric> Metrics, DateTimeOffset Timestamp) FromList(JsonObject list, string resource, string @namespace, string? container)
    {
        var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (items.Count == 0)
        {
            throw new ResourceMetricsException("no metrics returned from resource metrics API");
        }

        var metrics = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var name = item["metadata"]?["name"]?.GetValue<string>();
            if (name is null)
            {
                continue;
            }

            var timestamp = Time(item["timestamp"]);
            var window = Window(item["window"]);
            var containers = (item["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (!string.IsNullOrEmpty(container))
            {
                var match = containers.FirstOrDefault(c => c["name"]?.GetValue<string>() == container);
                if (match is null)
                {
                    continue;
                }

                var usage = Usage(match, resource)
                    ?? throw new ResourceMetricsException($"failed to get container metrics: missing resource metric {resource} for container {container} in pod {@namespace}/{name}");
                metrics[name] = new PodMetric(usage, timestamp, window);
                continue;
            }

            long sum = 0;
            var complete = containers.Count > 0;
            foreach (var c in containers)
            {
                if (Usage(c, resource) is not { } value)
                {
                    complete = false;
                    break;
                }

                sum += value;
            }

            if (complete)
            {
                metrics[name] = new PodMetric(sum, timestamp, window);
            }
        }

        return (metrics, Time(items[0]["timestamp"]));
    }

    private static long? Usage(JsonObject container, string resource) =>
        container["usage"]?[resource]?.GetValue<string>() is { } text ? Quantity.MilliValue(new ResourceQuantity(text)) : null;

    private static DateTimeOffset Time(JsonNode? node) =>
        node?.GetValue<string>() is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;

    private static TimeSpan Window(JsonNode? node) =>
        node?.GetValue<string>() is { } text && GoDuration.TryParse(text, out var window) ? window : TimeSpan.Zero;
}
