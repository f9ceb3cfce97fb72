using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.TtlAfterFinished;

/// <summary>
/// Deletes finished Jobs (Complete or Failed) once spec.ttlSecondsAfterFinished has passed since
/// they finished, with background propagation so their pods go too (upstream's ttl-after-finished controller).
/// </summary>
public sealed class TtlAfterFinishedController : Controller, IController
{
    private const string Component = "ttl-after-finished-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Job> _jobs;

    public TtlAfterFinishedController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _jobs = context.Informers.Get(ResourceKinds.Jobs);
        _jobs.AddEventHandler(onAdd: EnqueueIfNeeded, onUpdate: (_, j) => EnqueueIfNeeded(j));
    }

    string IController.Name => "ttl-after-finished";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_jobs], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _jobs.Cache.Get(key);
        if (cached is null || DueAt(cached) is not { } due)
        {
            return;
        }

        // An absolute due time: a delay measured from this reading of the clock would land late
        // if the clock moved before the queue read it.
        if (due > Time.GetUtcNow())
        {
            EnqueueAt(key, due);
            return;
        }

        // The cache may be stale (the TTL or the job may have changed): decide on the server's copy.
        V1Job job;
        try
        {
            job = await _context.Client.BatchV1.ReadNamespacedJobAsync(cached.Metadata.Name, cached.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return;
        }

        if (DueAt(job) is not { } fresh)
        {
            return;
        }

        if (fresh > Time.GetUtcNow())
        {
            EnqueueAt(key, fresh);
            return;
        }

        var options = new V1DeleteOptions { PropagationPolicy = "Background", Preconditions = new V1Preconditions { Uid = job.Metadata.Uid } };
        try
        {
            await _context.Client.BatchV1.DeleteNamespacedJobAsync(job.Metadata.Name, job.Metadata.NamespaceProperty, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
            // Gone already, or replaced by a new job of the same name that has its own TTL.
        }
    }

    private void EnqueueIfNeeded(V1Job job)
    {
        if (DueAt(job) is not null)
        {
            Enqueue(job);
        }
    }

    /// <summary>When the finished job may be deleted; null when it has no TTL, is not finished or is being deleted.</summary>
    private DateTimeOffset? DueAt(V1Job job)
    {
        if (job.Spec?.TtlSecondsAfterFinished is not { } ttl || job.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        var finished = job.Status?.Conditions?.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True");
        if (finished is null)
        {
            return null;
        }

        var at = finished.LastTransitionTime ?? job.Status?.CompletionTime ?? Time.GetUtcNow().UtcDateTime;
        var finishedAt = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc));
        return finishedAt.AddSeconds(ttl);
    }
}
