using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Expectations;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.Job;

/// <summary>
/// Runs a Job's pods to completion (upstream's job controller): parallelism and completions,
/// Indexed completion, backoffLimit with exponential recreation delay, activeDeadlineSeconds,
/// suspend, pod failure policy. Finished pods are counted through the job-tracking finalizer and
/// status.uncountedTerminatedPods, so counts survive pods being deleted.
/// </summary>
public sealed partial class JobController : Controller, IController
{
    internal const string Component = "job-controller";

    private static readonly TimeSpan MaxPodFailureBackoff = TimeSpan.FromMinutes(10);

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Job> _jobs;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly ControllerExpectations _expectations;
    private readonly JobPodControl _podControl;
    private readonly JobStatusWrites _statusWrites;

    // Failures since the last success and when the last one was counted, per job key (upstream's backoff records).
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset LastFailure)> _backoff = new(StringComparer.Ordinal);

    public JobController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _expectations = new ControllerExpectations(context.Time);
        _jobs = context.Informers.Get(ResourceKinds.Jobs);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _podControl = new JobPodControl(context);
        _statusWrites = new JobStatusWrites(context.Time);
        _jobs.AddEventHandler(
            onAdd: Enqueue,
            onUpdate: (_, j) => Enqueue(j),
            onDelete: OnJobDeleted);
        _pods.AddEventHandler(onAdd: OnPodAdded, onUpdate: OnPodUpdated, onDelete: OnPodDeleted);
    }

    string IController.Name => "job";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_jobs, _pods], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (JobPodControl.IsOrphanKey(key))
        {
            await _podControl.CleanupOrphanAsync(key, _jobs, _pods, Enqueue, cancellationToken).ConfigureAwait(false);
            return;
        }

        var cached = _jobs.Cache.Get(key);
        if (cached is null)
        {
            _expectations.DeleteExpectations(key);
            _statusWrites.Forget(key);
            _backoff.TryRemove(key, out _);
            return;
        }

        if (JobConditions.IsFinished(cached))
        {
            _statusWrites.Forget(key);
            // Pods left behind (e.g. by a crash between the two status writes) must not stay stuck on the finalizer.
            await _podControl.RemoveFinalizersAsync(_pods.Cache.ListByOwnerUid(cached.Metadata.Uid).Where(JobPods.HasTrackingFinalizer), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_statusWrites.Lags(key, cached))
        {
            // Pods let go after our last write would look neither tracked nor counted; the
            // Job's update event for that write syncs again.
            Log.JobCacheLags(Logger, key);
            return;
        }

        // Read before listing the pods (as upstream): a pod created by an earlier sync that reaches
        // the cache between the list and this check would otherwise be missed and created again.
        var satisfied = _expectations.SatisfiedExpectations(key);
        var pods = await ClaimPodsAsync(cached, cancellationToken).ConfigureAwait(false);

        var job = Clone(cached);
        var sync = new JobSync(job, pods, Time.GetUtcNow(), _podControl.IsReleasing, _context.Options.JobPodFailureBackoff, _backoff.GetValueOrDefault(key));
        sync.CountFinishedPods();
        sync.DecideFinish();

        if (sync.Finishing is not null)
        {
            await DeleteAllActiveAsync(key, job, sync, cancellationToken).ConfigureAwait(false);
        }
        else if (satisfied)
        {
            await ManageAsync(key, job, sync, cancellationToken).ConfigureAwait(false);
        }

        sync.FillActiveCounts();
        var hadUncounted = sync.HasUncounted;
        if (hadUncounted)
        {
            // First make the finished pods durable in the status, then let them go, then count them.
            job = await WriteStatusAsync(key, cached, job, cancellationToken).ConfigureAwait(false);
        }

        await _podControl.RemoveFinalizersAsync(sync.PodsToRelease, cancellationToken).ConfigureAwait(false);
        if (hadUncounted)
        {
            sync.FlushUncounted();
            RecordBackoff(key, sync);
        }

        // Pods not yet in the cache may still be running: finish only on a complete view.
        var finishedNow = satisfied ? sync.CompleteFinish() : null;
        job = await WriteStatusAsync(key, cached, job, cancellationToken).ConfigureAwait(false);
        if (finishedNow is { } condition)
        {
            if (condition.Type == JobConditions.Complete)
            {
                _context.Events.Normal(Component, job, "Completed", "Job completed");
            }
            else
            {
                _context.Events.Warning(Component, job, condition.Reason, condition.Message);
            }

            return;
        }

        // Absolute times from the sync's reading of the clock (sync.Now), which the remaining
        // times were measured from: delays would be measured again after this sync's API calls.
        if (sync.DeadlineRemaining is { } remaining)
        {
            EnqueueAt(key, sync.Now + remaining + TimeSpan.FromMilliseconds(50));
        }
    }

    private async Task ManageAsync(string key, V1Job job, JobSync sync, CancellationToken cancellationToken)
    {
        if (job.Spec.Suspend == true)
        {
            await DeleteAllActiveAsync(key, job, sync, cancellationToken).ConfigureAwait(false);
            if (JobConditions.Set(job.Status, JobConditions.Suspended, "True", "JobSuspended", "Job suspended", sync.Now.UtcDateTime))
            {
                _context.Events.Normal(Component, job, "Suspended", "Job suspended");
            }

            return;
        }

        if (JobConditions.Update(job.Status, JobConditions.Suspended, "False", "JobResumed", "Job resumed", sync.Now.UtcDateTime))
        {
            // activeDeadlineSeconds counts continuous activity: it restarts on resume.
            job.Status.StartTime = sync.Now.UtcDateTime;
            _context.Events.Normal(Component, job, "Resumed", "Job resumed");
        }

        var plan = sync.PlanPods();
        var wait = plan.Create.Count > 0 ? sync.BackoffRemaining : null;
        var creates = wait is null ? plan.Create : [];
        _expectations.SetExpectations(key, creates.Count, plan.Delete.Count);
        await _podControl.DeleteAsync(job, plan.Delete, _expectations, key, cancellationToken).ConfigureAwait(false);
        if (wait is { } delay)
        {
            // Failed pods are replaced only after the backoff (upstream's exponential pod failure backoff).
            EnqueueAt(key, sync.Now + delay);
            return;
        }

        if (creates.Count == 0)
        {
            return;
        }

        var created = await _podControl.CreateAsync(job, creates, _expectations, key, cancellationToken).ConfigureAwait(false);
        sync.AddCreated(created);
    }

    private Task DeleteAllActiveAsync(string key, V1Job job, JobSync sync, CancellationToken cancellationToken)
    {
        var active = sync.TakeAllActive();
        if (active.Count == 0)
        {
            return Task.CompletedTask;
        }

        _expectations.SetExpectations(key, 0, active.Count);
        return _podControl.DeleteAsync(job, active, _expectations, key, cancellationToken);
    }

    private void RecordBackoff(string key, JobSync sync)
    {
        if (sync.NewSucceeded > 0)
        {
            _backoff.TryRemove(key, out _);
        }

        if (sync.NewFailed > 0)
        {
            _backoff.AddOrUpdate(key, (sync.NewFailed, sync.Now), (_, r) => (r.Failures + sync.NewFailed, sync.Now));
        }
    }

    private async Task<V1Job> WriteStatusAsync(string key, V1Job cached, V1Job job, CancellationToken cancellationToken)
    {
        if ((cached.Status is null ? "" : KubernetesJson.Serialize(cached.Status)) == KubernetesJson.Serialize(job.Status) && cached.Metadata.ResourceVersion == job.Metadata.ResourceVersion)
        {
            return job;
        }

        var written = await _context.Client.BatchV1.ReplaceNamespacedJobStatusAsync(job, job.Metadata.Name, job.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        // Keep our status (the server echoes it) but take the new resourceVersion for the next write.
        job.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
        _statusWrites.Record(key, job);
        return job;
    }

    /// <summary>
    /// The job's pods (upstream's getPodsForJob): its own, plus matching orphans it adopts with the
    /// tracking finalizer; owned pods that stop matching are released and lose the finalizer.
    /// </summary>
    private Task<IReadOnlyList<V1Pod>> ClaimPodsAsync(V1Job job, CancellationToken cancellationToken)
    {
        var manager = ControllerRefs.ForPods(
            _context.Client,
            job,
            "batch/v1",
            "Job",
            ObjectSelectors.From(job.Spec.Selector),
            async ct => (await _context.Client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, job.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false)).Metadata,
            [JobPods.TrackingFinalizer]);
        var candidates = _pods.Cache.ClaimCandidates(job.Metadata.Uid, job.Metadata.NamespaceProperty);
        return manager.ClaimAsync(candidates, null, cancellationToken);
    }

    /// <summary>An orphan wakes every job in its namespace whose selector matches it, which may adopt it.</summary>
    private void EnqueueMatchingJobs(V1Pod pod)
    {
        foreach (var job in ObjectSelectors.MayAdopt(pod.Metadata, _jobs.Cache.ListByNamespace(pod.Metadata.NamespaceProperty), o => o.Spec?.Selector))
        {
            Enqueue(job);
        }
    }

    private static V1Job Clone(V1Job job)
    {
        var copy = KubernetesJson.Deserialize<V1Job>(KubernetesJson.Serialize(job));
        copy.Status ??= new V1JobStatus();
        return copy;
    }

    private string? JobKeyOf(V1Pod pod)
    {
        var owner = ObjectSelectors.ControllerOf(pod.Metadata);
        if (owner is null || owner.Kind != "Job" || !owner.ApiVersion.StartsWith("batch/", StringComparison.Ordinal))
        {
            return null;
        }

        var job = _jobs.Cache.Get(pod.Metadata.NamespaceProperty, owner.Name);
        return job is not null && job.Metadata.Uid == owner.Uid ? ObjectKeys.KeyOf(job) : null;
    }

    private void OnJobDeleted(V1Job job)
    {
        Enqueue(job);
        foreach (var pod in _pods.Cache.ListByOwnerUid(job.Metadata.Uid))
        {
            if (JobPods.HasTrackingFinalizer(pod))
            {
                Enqueue(JobPodControl.OrphanKey(pod));
            }
        }
    }

    private void OnPodAdded(V1Pod pod)
    {
        if (JobKeyOf(pod) is { } key)
        {
            _expectations.CreationObserved(key);
            Enqueue(key);
        }
        else
        {
            EnqueueMatchingJobs(pod);
            if (JobPods.HasTrackingFinalizer(pod))
            {
                Enqueue(JobPodControl.OrphanKey(pod));
            }
        }
    }

    private void OnPodUpdated(V1Pod old, V1Pod pod)
    {
        if (!JobPods.HasTrackingFinalizer(pod))
        {
            _podControl.FinalizerRemoved(pod);
        }

        // A pod released by its job (labels changed) wakes that job too, and any job that may adopt it.
        if (JobKeyOf(old) is { } previous && previous != JobKeyOf(pod))
        {
            Enqueue(previous);
        }

        EnqueueMatchingJobs(pod);
        if (JobKeyOf(pod) is { } key)
        {
            if (old.Metadata.DeletionTimestamp is null && pod.Metadata.DeletionTimestamp is not null)
            {
                _expectations.DeletionObserved(key);
            }

            Enqueue(key);
        }
        else if (JobPods.HasTrackingFinalizer(pod))
        {
            Enqueue(JobPodControl.OrphanKey(pod));
        }
    }

    private void OnPodDeleted(V1Pod pod)
    {
        _podControl.FinalizerRemoved(pod);
        if (JobKeyOf(pod) is { } key)
        {
            _expectations.DeletionObserved(key);
            Enqueue(key);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "job {Key}: the cache does not show the last status written yet; waiting for it")]
        public static partial void JobCacheLags(ILogger logger, string key);
    }
}
