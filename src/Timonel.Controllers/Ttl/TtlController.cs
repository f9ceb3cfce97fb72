using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.Ttl;

/// <summary>
/// Upstream's ttl controller: annotates every Node with node.alpha.kubernetes.io/ttl, the number of
/// seconds kubelets may cache secrets and config maps, chosen by cluster size so that big clusters
/// put less load on the API server.
/// </summary>
public sealed partial class TtlController : Controller, IController
{
    public const string TtlAnnotation = "node.alpha.kubernetes.io/ttl";

    private const string Component = "ttl-controller";

    /// <summary>
    /// Upstream's size bands. Adjacent bands overlap so that a cluster hovering around a boundary
    /// does not flip the TTL back and forth: a step is left upwards above its max, downwards below its min.
    /// </summary>
    private static readonly (int SizeMin, int SizeMax, int TtlSeconds)[] Boundaries =
    [
        (0, 100, 0),
        (90, 500, 15),
        (450, 1000, 30),
        (900, 2000, 60),
        (1800, int.MaxValue, 300),
    ];

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly Lock _stepLock = new();
    private int _step;

    public TtlController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _nodes = context.Informers.Get(ResourceKinds.Nodes);
        _nodes.AddEventHandler(onAdd: OnNodesChanged, onUpdate: (_, n) => Enqueue(n), onDelete: OnNodesChanged);
    }

    string IController.Name => "ttl";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_nodes], cancellationToken);

    /// <summary>The band a cluster of <paramref name="nodeCount"/> nodes is in, coming from band <paramref name="step"/>.</summary>
    public static int NextStep(int step, int nodeCount)
    {
        while (step < Boundaries.Length - 1 && nodeCount > Boundaries[step].SizeMax)
        {
            step++;
        }

        while (step > 0 && nodeCount < Boundaries[step].SizeMin)
        {
            step--;
        }

        return step;
    }

    /// <summary>The TTL in seconds of band <paramref name="step"/>.</summary>
    public static int TtlSecondsOf(int step) => Boundaries[step].TtlSeconds;

    private void OnNodesChanged(V1Node node)
    {
        int before, after;
        lock (_stepLock)
        {
            before = _step;
            _step = after = NextStep(_step, _nodes.Cache.List().Count);
        }

        if (before != after)
        {
            // Every node's annotation is now stale, not only the one that came or went.
            foreach (var key in _nodes.Cache.Keys())
            {
                Enqueue(key);
            }
        }
        else if (node.Metadata.DeletionTimestamp is null && _nodes.Cache.Get(ObjectKeys.KeyOf(node)) is not null)
        {
            Enqueue(node);
        }
    }

    private int DesiredTtlSeconds()
    {
        lock (_stepLock)
        {
            return TtlSecondsOf(_step);
        }
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var node = _nodes.Cache.Get(key);
        if (node is null)
        {
            return;
        }

        var desired = DesiredTtlSeconds();
        if (node.Metadata.Annotations?.TryGetValue(TtlAnnotation, out var current) == true
            && int.TryParse(current, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds == desired)
        {
            return;
        }

        var value = desired.ToString(CultureInfo.InvariantCulture);
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [TtlAnnotation] = value } } };
        try
        {
            await _context.Client.CoreV1.PatchNodeAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return;
        }

        Log.TtlSet(Logger, node.Metadata.Name, value);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "node {Node}: ttl annotation set to {Seconds}s")]
        public static partial void TtlSet(ILogger logger, string node, string seconds);
    }
}
