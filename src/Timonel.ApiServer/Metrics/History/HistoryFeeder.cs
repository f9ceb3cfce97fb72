using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// Turns one metrics round into history samples: each reported pod's containers, keyed by the
/// pod's workload (<see cref="WorkloadResolver"/>). The ReplicaSets and Jobs the round's pods
/// name are read from the store once per round, only when some pod names one.
/// </summary>
internal sealed partial class HistoryFeeder(ObjectStore objects, ResourceCatalog catalog, UsageHistory history, ILogger log)
{
    private readonly ApiResource _replicaSets = catalog.Find("apps", "v1", "replicasets")!;
    private readonly ApiResource _jobs = catalog.Find("batch", "v1", "jobs")!;
    private long _refusedReported;

    public async Task FeedAsync(IReadOnlyDictionary<PodKey, PodUsage> usage, IReadOnlyDictionary<PodKey, JsonObject> pods, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var owners = new Dictionary<(string, string, string), JsonObject>();
        var reported = usage.Keys.Where(pods.ContainsKey).ToList();
        if (reported.Any(k => WorkloadResolver.NeedsOwner(pods[k])))
        {
            await AddAsync(owners, _replicaSets, "ReplicaSet", cancellationToken).ConfigureAwait(false);
            await AddAsync(owners, _jobs, "Job", cancellationToken).ConfigureAwait(false);
        }

        var samples = new List<(ContainerRef, decimal, decimal, DateTimeOffset)>();
        foreach (var key in reported)
        {
            var workload = WorkloadResolver.Resolve(pods[key], owners);
            var round = usage[key];
            samples.AddRange(round.Containers.Select(c => (new ContainerRef(workload, c.Name), c.CpuCores, c.MemoryBytes, round.Timestamp)));
        }

        history.Record(samples, now);
        if (history.Refused > _refusedReported)
        {
            // Said once per round that refused some, not once per sample.
            Log.HistoryFull(log, UsageHistory.MaxContainers, history.Refused - _refusedReported);
            _refusedReported = history.Refused;
        }
    }

    private async Task AddAsync(Dictionary<(string, string, string), JsonObject> owners, ApiResource resource, string kind, CancellationToken cancellationToken)
    {
        var page = await objects.Store.RangeAsync(new RangeRequest(resource.KeyPrefix), cancellationToken).ConfigureAwait(false);
        foreach (var obj in page.Items.Select(kv => ObjectStore.Decode(kv).Object))
        {
            owners[(ObjectMetaAccess.Namespace(obj) ?? "", kind, ObjectMetaAccess.Name(obj) ?? "")] = obj;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "recommendations: the usage history holds its maximum of {Max} containers; {Refused} samples of new containers were not kept")]
        public static partial void HistoryFull(ILogger logger, int max, long refused);
    }
}
