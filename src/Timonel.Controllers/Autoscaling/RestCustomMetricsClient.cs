using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.Controllers.Dynamic;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// Reads custom and external metrics through the API server (so through whatever APIService
/// serves them), as upstream's REST metrics client:
/// <list type="bullet">
/// <item>custom.metrics.k8s.io in the version discovery prefers if it is v1beta2 or v1beta1, else
/// the first of those the group serves; the choice is kept for <c>refresh</c> (upstream
/// invalidates it once per sync period);</item>
/// <item>Pods: <c>namespaces/NS/pods/*/METRIC?labelSelector=&amp;metricLabelSelector=</c>;
/// Object: <c>namespaces/NS/RESOURCE[.GROUP]/NAME/METRIC</c> (a Namespace: <c>namespaces/NS/metrics/METRIC</c>),
/// exactly one value expected;</item>
/// <item>external.metrics.k8s.io/v1beta1 (no discovery, as upstream):
/// <c>namespaces/NS/METRIC?labelSelector=</c>, every series returned.</item>
/// </list>
/// </summary>
public sealed class RestCustomMetricsClient(DynamicClient client, KindMapper mapper, TimeProvider time, TimeSpan refresh) : ICustomMetricsClient
{
    public const string CustomGroup = "custom.metrics.k8s.io";
    public const string ExternalGroup = "external.metrics.k8s.io";
    private const string CustomApi = "custom metrics API";
    private const string ExternalApi = "external metrics API";

    // Upstream's metricServerDefaultMetricWindow: a sample with no windowSeconds covers a minute.
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(1);
    private static readonly string[] KnownVersions = ["v1beta2", "v1beta1"];

    private readonly Lock _lock = new();
    private (string Version, DateTimeOffset At)? _version;

    public async Task<(IReadOnlyDictionary<string, PodMetric> Metrics, DateTimeOffset Timestamp)> GetRawMetricAsync(
        string metricName, string @namespace, LabelSelector podSelector, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(podSelector);
        ArgumentNullException.ThrowIfNull(metricSelector);
        var version = await CustomVersionAsync(cancellationToken).ConfigureAwait(false);
        var path = $"apis/{CustomGroup}/{version}/namespaces/{Uri.EscapeDataString(@namespace)}/pods/*/{Uri.EscapeDataString(metricName)}" + Query(podSelector, metricSelector);
        var items = await ItemsAsync(path, CustomApi, $"pods.{CustomGroup} *", cancellationToken).ConfigureAwait(false);
        if (items.Count == 0)
        {
            throw new CustomMetricsException($"no metrics returned from {CustomApi}");
        }

        var metrics = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item["describedObject"]?["name"]?.GetValue<string>() is { } pod)
            {
                var window = item["windowSeconds"]?.GetValue<long>() is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultWindow;
                metrics[pod] = new PodMetric(Value(item), Timestamp(item), window);
            }
        }

        return (metrics, Timestamp(items[0]));
    }

    public async Task<(long Value, DateTimeOffset Timestamp)> GetObjectMetricAsync(
        string metricName, string @namespace, DescribedObject target, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(metricSelector);
        string group;
        try
        {
            group = KindMapper.GroupOf(target.ApiVersion);
        }
        catch (KindMappingException e)
        {
            throw new CustomMetricsException($"unable to fetch metrics from {CustomApi}: {e.Message}");
        }

        var version = await CustomVersionAsync(cancellationToken).ConfigureAwait(false);
        var root = $"apis/{CustomGroup}/{version}/namespaces/{Uri.EscapeDataString(@namespace)}";
        string path, resource;
        if (target.Kind == "Namespace" && group.Length == 0)
        {
            // A namespace's own metrics; the reference's name is ignored, so it cannot reach another namespace.
            path = $"{root}/metrics/{Uri.EscapeDataString(metricName)}";
            resource = $"metrics.{CustomGroup} {metricName}";
        }
        else
        {
            KindMapping mapping;
            try
            {
                mapping = await mapper.MapAsync(group, target.Kind, cancellationToken).ConfigureAwait(false);
            }
            catch (KindMappingException e)
            {
                var kind = group.Length == 0 ? target.Kind : $"{target.Kind}.{group}";
                throw new CustomMetricsException($"unable to fetch metrics from {CustomApi}: unable to map kind {kind} to resource: {e.Message}");
            }

            var qualified = group.Length == 0 ? mapping.Plural : $"{mapping.Plural}.{group}";
            path = $"{root}/{qualified}/{Uri.EscapeDataString(target.Name)}/{Uri.EscapeDataString(metricName)}";
            resource = $"{qualified}.{CustomGroup} {target.Name}";
        }

        var items = await ItemsAsync(path + Query(LabelSelector.Everything, metricSelector), CustomApi, resource, cancellationToken).ConfigureAwait(false);
        if (items.Count != 1)
        {
            throw new CustomMetricsException($"unable to fetch metrics from {CustomApi}: the custom metrics API server returned {items.Count} results when we asked for exactly one");
        }

        return (Value(items[0]), Timestamp(items[0]));
    }

    public async Task<(IReadOnlyList<long> Values, DateTimeOffset Timestamp)> GetExternalMetricAsync(
        string metricName, string @namespace, LabelSelector metricSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metricSelector);
        var text = metricSelector.ToString();
        var path = $"apis/{ExternalGroup}/v1beta1/namespaces/{Uri.EscapeDataString(@namespace)}/{Uri.EscapeDataString(metricName)}"
            + (text.Length > 0 ? "?labelSelector=" + Uri.EscapeDataString(text) : "");
        var items = await ItemsAsync(path, ExternalApi, $"{metricName}.{ExternalGroup}", cancellationToken).ConfigureAwait(false);
        if (items.Count == 0)
        {
            throw new CustomMetricsException($"no metrics returned from {ExternalApi}");
        }

        return ([.. items.Select(Value)], Timestamp(items[0]));
    }

    private static string Query(LabelSelector podSelector, LabelSelector metricSelector)
    {
        var parts = new List<string>(2);
        if (podSelector.ToString() is { Length: > 0 } pods)
        {
            parts.Add("labelSelector=" + Uri.EscapeDataString(pods));
        }

        if (metricSelector.ToString() is { Length: > 0 } metric)
        {
            parts.Add("metricLabelSelector=" + Uri.EscapeDataString(metric));
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private async Task<List<JsonObject>> ItemsAsync(string path, string api, string resource, CancellationToken cancellationToken)
    {
        JsonObject list;
        try
        {
            list = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e)
        {
            throw new CustomMetricsException($"unable to fetch metrics from {api}: {ClientMessage(e, resource)}");
        }

        var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        try
        {
            // Every value is read once here, so a malformed answer fails as a whole, with this message.
            foreach (var item in items)
            {
                _ = Value(item);
            }

            return items;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            throw new CustomMetricsException($"unable to fetch metrics from {api}: the answer is not a metric value list: {e.Message}");
        }
    }

    // The preferred custom metrics version, read from discovery at most once per refresh period.
    private async Task<string> CustomVersionAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_version is { } known && now - known.At < refresh)
            {
                return known.Version;
            }
        }

        JsonObject groups;
        try
        {
            groups = await client.SendAsync(HttpMethod.Get, "apis", null, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e)
        {
            throw new CustomMetricsException($"unable to fetch metrics from {CustomApi}: {ClientMessage(e, "")}");
        }

        var group = (groups["groups"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(g => g["name"]?.GetValue<string>() == CustomGroup)
            ?? throw new CustomMetricsException($"unable to fetch metrics from {CustomApi}: no custom metrics API ({CustomGroup}) registered");
        var preferred = group["preferredVersion"]?["version"]?.GetValue<string>();
        var served = (group["versions"] as JsonArray ?? []).Select(v => v?["version"]?.GetValue<string>()).OfType<string>();
        var version = preferred is not null && KnownVersions.Contains(preferred, StringComparer.Ordinal)
            ? preferred
            : served.FirstOrDefault(v => KnownVersions.Contains(v, StringComparer.Ordinal))
              ?? throw new CustomMetricsException($"unable to fetch metrics from {CustomApi}: no known available metric versions found");
        lock (_lock)
        {
            _version = (version, now);
        }

        return version;
    }

    /// <summary>
    /// What client-go says of a failed request: the Status's message when the server answered one,
    /// else its generic wording for the code followed by "(get RESOURCE NAME)".
    /// </summary>
    internal static string ClientMessage(DynamicApiException e, string resource)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = KindMapper.ServerMessage(e);
        var generic = e.Code switch
        {
            404 => "the server could not find the requested resource",
            503 => "the server is currently unable to handle the request",
            500 => $"an error on the server (\"{message.Trim()}\") has prevented the request from succeeding",
            _ => $"the server responded with the status code {e.Code} but did not return more information",
        };
        if (e.IsStatus && message != generic)
        {
            return message;
        }

        return resource.Length == 0 ? generic : $"{generic} (get {resource})";
    }

    private static long Value(JsonObject item) =>
        item["value"]?.GetValue<string>() is { } text ? Quantity.MilliValue(new ResourceQuantity(text)) : throw new FormatException("an item has no value");

    private static DateTimeOffset Timestamp(JsonObject item) =>
        item["timestamp"]?.GetValue<string>() is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;
}
