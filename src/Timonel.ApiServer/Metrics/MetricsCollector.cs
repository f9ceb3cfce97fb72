using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Nodes;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Streaming;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Metrics;

/// <summary>
/// metrics-server built into the API server: at start and then every resolution (--metrics-resolution)
/// it scrapes every real node's kubelet /metrics/resource in parallel (at most
/// <see cref="MaxConcurrentScrapes"/> at once, each under a timeout of 9/10 of the resolution as
/// metrics-server's), computes CPU rates from consecutive cumulative samples, reads simulated
/// nodes' usage from their pods' annotations (<see cref="SimulatedUsage"/>), and publishes the
/// round whole to the <see cref="MetricsStore"/>. Nodes and pods that are gone, and nodes whose
/// scrape failed, drop out of the round, as metrics-server's storage forgets them.
/// </summary>
internal sealed partial class MetricsCollector
{
    /// <summary>How many kubelets are scraped at once.</summary>
    public const int MaxConcurrentScrapes = 16;

    private readonly ObjectStore _objects;
    private readonly ApiResource _nodes;
    private readonly ApiResource _pods;
    private readonly MetricsStore _store;
    private readonly KubeletMetricsScraper _scraper;
    private readonly TimeSpan _resolution;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly History.HistoryFeeder? _history;

    // Touched only by the collecting round (rounds never overlap).
    private Dictionary<string, CumulativeSeries> _nodeSeries = new(StringComparer.Ordinal);
    private Dictionary<(PodKey Pod, string Container), CumulativeSeries> _containerSeries = new();
    private HashSet<(PodKey Pod, string Key, string Value)> _reportedInvalid = [];

    public MetricsCollector(ObjectStore objects, ResourceCatalog catalog, MetricsStore store, HttpMessageInvoker kubelets, TimeSpan resolution, TimeProvider time, ILogger<MetricsCollector> log, History.UsageHistory? history = null)
    {
        if (resolution <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(resolution), "the metrics resolution must be positive");
        }

        _objects = objects;
        _nodes = catalog.Find("", "v1", "nodes")!;
        _pods = catalog.Find("", "v1", "pods")!;
        _store = store;
        _resolution = resolution;
        _time = time;
        _log = log;
        _scraper = new KubeletMetricsScraper(kubelets, resolution * 0.9, log);
        _history = history is null ? null : new History.HistoryFeeder(objects, catalog, history, log);
    }

    /// <summary>Collects now, then once per resolution until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A periodic timer keeps a tick that fires during a round, so a slow round delays the
        // next one instead of skipping it.
        using var timer = new PeriodicTimer(_resolution, _time);
        try
        {
            do
            {
                try
                {
                    await CollectOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (StoreUnavailableException e)
                {
                    Log.StoreUnavailable(_log, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One round: read nodes and pods, scrape, compute, publish.</summary>
    public async Task CollectOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var nodes = await ListAsync(_nodes, cancellationToken).ConfigureAwait(false);
        var pods = await ListAsync(_pods, cancellationToken).ConfigureAwait(false);
        var podsByKey = new Dictionary<PodKey, JsonObject>();
        foreach (var pod in pods)
        {
            podsByKey[new PodKey(ObjectMetaAccess.Namespace(pod) ?? "", ObjectMetaAccess.Name(pod) ?? "")] = pod;
        }

        var real = new List<(string Name, JsonObject Node)>();
        var simulated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var name = ObjectMetaAccess.Name(node) ?? "";
            if (KubeletConnector.IsSimulated(node))
            {
                simulated.Add(name);
            }
            else
            {
                real.Add((name, node));
            }
        }

        var scrapes = new ConcurrentDictionary<string, ResourceMetricsScrape>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(real, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentScrapes, CancellationToken = cancellationToken }, async (n, ct) =>
        {
            if (await _scraper.ScrapeAsync(n.Name, n.Node, now, ct).ConfigureAwait(false) is { } scrape)
            {
                scrapes[n.Name] = scrape;
            }
        }).ConfigureAwait(false);

        var nodeUsage = new Dictionary<string, UsagePoint>(StringComparer.Ordinal);
        var podUsage = new Dictionary<PodKey, PodUsage>();
        var nodeSeries = new Dictionary<string, CumulativeSeries>(StringComparer.Ordinal);
        var containerSeries = new Dictionary<(PodKey, string), CumulativeSeries>();
        foreach (var (name, scrape) in scrapes)
        {
            if (scrape.Node is { } sample)
            {
                var series = CumulativeSeries.Advance(_nodeSeries.GetValueOrDefault(name), sample);
                nodeSeries[name] = series;
                if (series.Point is { } point)
                {
                    nodeUsage[name] = point;
                }
            }

            foreach (var (key, containers) in scrape.Pods)
            {
                // As metrics-server: only pods that exist and are bound to the node that reported them.
                if (!podsByKey.TryGetValue(key, out var pod) || JsonAccess.AsString(pod["spec"]?["nodeName"]) != name)
                {
                    continue;
                }

                var usage = new List<ContainerUsage>();
                UsagePoint? newest = null;
                foreach (var (container, containerSample) in containers)
                {
                    var series = CumulativeSeries.Advance(_containerSeries.GetValueOrDefault((key, container)), containerSample);
                    containerSeries[(key, container)] = series;
                    if (series.Point is { } point)
                    {
                        usage.Add(new ContainerUsage(container, point.CpuCores, point.MemoryBytes));
                        newest = newest is null || point.Timestamp > newest.Timestamp ? point : newest;
                    }
                }

                // A container needs two samples; until each has them the pod is not reported.
                if (newest is not null && usage.Count == containers.Count)
                {
                    podUsage[key] = new PodUsage(InSpecOrder(pod, usage), newest.Timestamp, newest.Window);
                }
            }
        }

        var reported = new HashSet<(PodKey, string, string)>();
        foreach (var (key, pod) in podsByKey)
        {
            if (JsonAccess.AsString(pod["spec"]?["nodeName"]) is { } nodeName && simulated.Contains(nodeName) && JsonAccess.AsString(pod["status"]?["phase"]) == "Running")
            {
                podUsage[key] = Simulated(key, pod, now, reported);
            }
        }

        foreach (var name in simulated)
        {
            var onNode = podsByKey.Where(p => podUsage.ContainsKey(p.Key) && JsonAccess.AsString(p.Value["spec"]?["nodeName"]) == name).Select(p => podUsage[p.Key]).ToList();
            nodeUsage[name] = new UsagePoint(
                onNode.Sum(p => p.Containers.Sum(c => c.CpuCores)),
                onNode.Sum(p => p.Containers.Sum(c => c.MemoryBytes)),
                now,
                _resolution);
        }

        _nodeSeries = nodeSeries;
        _containerSeries = containerSeries;
        _reportedInvalid = reported;
        _store.Publish(new MetricsSnapshot(nodeUsage, podUsage));
        if (_history is not null)
        {
            await _history.FeedAsync(podUsage, podsByKey, now, cancellationToken).ConfigureAwait(false);
        }

        Log.Collected(_log, nodeUsage.Count, podUsage.Count, real.Count - scrapes.Count);
    }

    private PodUsage Simulated(PodKey key, JsonObject pod, DateTimeOffset now, HashSet<(PodKey, string, string)> reported)
    {
        var annotations = StringMap(pod["metadata"]?["annotations"]);
        var containers = new List<ContainerUsage>();
        foreach (var container in (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = JsonAccess.AsString(container["name"]) ?? "";
            var (cores, bytes) = SimulatedUsage.Of(annotations, name, out var invalid);
            foreach (var annotation in invalid)
            {
                // Said once per pod and value, not every round.
                var entry = (key, annotation, annotations[annotation]);
                if (reported.Add(entry) && !_reportedInvalid.Contains(entry))
                {
                    Log.InvalidAnnotation(_log, key.ToString(), annotation, annotations[annotation]);
                }
            }

            containers.Add(new ContainerUsage(name, cores, bytes));
        }

        return new PodUsage(containers, now, _resolution);
    }

    private static Dictionary<string, string> StringMap(JsonNode? map) =>
        (map as JsonObject)?.Where(kv => JsonAccess.AsString(kv.Value) is not null).ToDictionary(kv => kv.Key, kv => JsonAccess.AsString(kv.Value)!, StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The containers in the order the pod's spec lists them (kubectl top prints them so).</summary>
    private static IReadOnlyList<ContainerUsage> InSpecOrder(JsonObject pod, List<ContainerUsage> usage)
    {
        var order = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => JsonAccess.AsString(c["name"])).ToList();
        return [.. usage.OrderBy(c => order.IndexOf(c.Name) is var i and >= 0 ? i : int.MaxValue).ThenBy(c => c.Name, StringComparer.Ordinal)];
    }

    private async Task<List<JsonObject>> ListAsync(ApiResource resource, CancellationToken cancellationToken)
    {
        var page = await _objects.Store.RangeAsync(new RangeRequest(resource.KeyPrefix), cancellationToken).ConfigureAwait(false);
        return [.. page.Items.Select(kv => ObjectStore.Decode(kv).Object)];
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "metrics: collected {Nodes} nodes and {Pods} pods ({Failed} nodes failed)")]
        public static partial void Collected(ILogger logger, int nodes, int pods, int failed);

        [LoggerMessage(Level = LogLevel.Warning, Message = "metrics: pod {Pod} annotation {Annotation}=\"{Value}\" is not a non-negative quantity; counted as 0")]
        public static partial void InvalidAnnotation(ILogger logger, string pod, string annotation, string value);

        [LoggerMessage(Level = LogLevel.Warning, Message = "metrics: cannot read nodes and pods: {Reason}")]
        public static partial void StoreUnavailable(ILogger logger, string reason);
    }
}
