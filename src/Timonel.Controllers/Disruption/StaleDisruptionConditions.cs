using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.Disruption;

/// <summary>
/// The disruption controller's second queue (upstream's stale pod disruption worker): a pod that
/// was marked DisruptionTarget=True (by an eviction, a taint manager, pod GC) and yet is still not
/// being deleted two minutes later was not disrupted after all, so the condition is turned False
/// and the pod's controller and Job failure policies stop treating it as going.
/// </summary>
internal sealed partial class StaleDisruptionConditions : Controller
{
    /// <summary>Upstream's stalePodDisruptionTimeout.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Pod> _pods;

    public StaleDisruptionConditions(ControllerContext context, SharedInformer<V1Pod> pods)
        : base("disruption-controller-stale-pods", context.Loggers.CreateLogger("disruption-controller"), context.Time)
    {
        _context = context;
        _pods = pods;
        _pods.AddEventHandler(onAdd: EnqueueIfMarked, onUpdate: (_, pod) => EnqueueIfMarked(pod));
    }

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(1, [_pods], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (_pods.Cache.Get(key) is not { } pod || StaleAt(pod) is not { } due)
        {
            return;
        }

        if (due > Time.GetUtcNow())
        {
            EnqueueAt(key, due);
            return;
        }

        // Upstream's UpdatePodCondition with a bare False condition: reason and message go, and the
        // status change moves the transition time. The cached resourceVersion goes with it, so a pod
        // changed meanwhile (perhaps now deleting) conflicts and is judged again from the cache.
        var status = KubernetesJson.Deserialize<V1PodStatus>(KubernetesJson.Serialize(pod.Status));
        status.Conditions = [.. status.Conditions.Where(c => c.Type != "DisruptionTarget"),
            new V1PodCondition { Type = "DisruptionTarget", Status = "False", LastTransitionTime = Time.GetUtcNow().UtcDateTime }];
        var updated = new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = pod.Metadata, Spec = pod.Spec, Status = status };
        try
        {
            await _context.Client.CoreV1.ReplaceNamespacedPodStatusAsync(updated, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.Reset(Logger, key);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Gone: nothing left to correct.
        }
    }

    private void EnqueueIfMarked(V1Pod pod)
    {
        if (StaleAt(pod) is { } due)
        {
            EnqueueAt(ObjectKeys.KeyOf(pod), due);
        }
    }

    // When a pod marked for disruption but not being deleted counts as not disrupted after all;
    // null when it is not marked, or is being deleted as the mark said.
    private static DateTimeOffset? StaleAt(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        var condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget");
        if (condition is not { Status: "True" })
        {
            return null;
        }

        // No transition time reads as long ago: stale now, as upstream's zero time.
        return condition.LastTransitionTime is { } since ? new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)) + Timeout : DateTimeOffset.MinValue;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "pod {Key}: reset a stale DisruptionTarget condition to False")]
        public static partial void Reset(ILogger logger, string key);
    }
}
