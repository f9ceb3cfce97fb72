using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.CronJob;

/// <summary>
/// Creates a CronJob's Jobs at its scheduled times (upstream's cronjob controller, v2): keeps
/// status.active, lastScheduleTime and lastSuccessfulTime, applies concurrencyPolicy, suspend,
/// startingDeadlineSeconds and the history limits, and requeues itself at the next scheduled time.
/// </summary>
public sealed class CronJobController : Controller, IController
{
    internal const string Component = "cronjob-controller";
    internal const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    // Upstream adds this slack so the requeued sync lands just after the scheduled time.
    private static readonly TimeSpan RequeueSlack = TimeSpan.FromMilliseconds(100);

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1CronJob> _cronJobs;
    private readonly SharedInformer<V1Job> _jobs;

    public CronJobController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _cronJobs = context.Informers.Get(ResourceKinds.CronJobs);
        _jobs = context.Informers.Get(ResourceKinds.Jobs);
        _cronJobs.AddEventHandler(onAdd: Enqueue, onUpdate: (_, c) => Enqueue(c));
        _jobs.AddEventHandler(onAdd: EnqueueOwner, onUpdate: (_, j) => EnqueueOwner(j), onDelete: EnqueueOwner);
    }

    string IController.Name => "cronjob";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_cronJobs, _jobs], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _cronJobs.Cache.Get(key);
        if (cached is null)
        {
            return;
        }

        var cronJob = Clone(cached);
        var jobs = _jobs.Cache.ListByOwnerUid(cronJob.Metadata.Uid);
        var now = Time.GetUtcNow();
        var reconciled = await ReconcileActiveAsync(cronJob, jobs, cancellationToken).ConfigureAwait(false);
        if (reconciled is null)
        {
            return;
        }

        cronJob = reconciled;
        var next = cronJob.Metadata.DeletionTimestamp is null ? await ScheduleAsync(cronJob, now, cancellationToken).ConfigureAwait(false) : null;
        await WriteStatusAsync(cached, cronJob, cancellationToken).ConfigureAwait(false);
        await CleanupHistoryAsync(cronJob, jobs, cancellationToken).ConfigureAwait(false);
        if (next is { } at)
        {
            // An absolute due time, as upstream arms it: a delay measured from this sync's reading
            // of the clock would land late if the clock moved before the queue read it.
            EnqueueAt(key, at + RequeueSlack);
        }
    }

    /// <summary>Drops finished and vanished jobs from status.active and records the last success; null when the cache is stale.</summary>
    private async Task<V1CronJob?> ReconcileActiveAsync(V1CronJob cronJob, IReadOnlyList<V1Job> jobs, CancellationToken cancellationToken)
    {
        cronJob.Status.Active ??= [];
        foreach (var job in jobs)
        {
            var inActive = cronJob.Status.Active.Any(r => r.Uid == job.Metadata.Uid);
            var finished = FinishedCondition(job);
            if (!inActive && finished is null)
            {
                // Our cache of the CronJob may predate the status write that listed this job.
                var fresh = await _context.Client.BatchV1.ReadNamespacedCronJobAsync(cronJob.Metadata.Name, cronJob.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (fresh.Metadata.Uid == cronJob.Metadata.Uid && fresh.Status?.Active?.Any(r => r.Uid == job.Metadata.Uid) == true)
                {
                    // The update that brings the cache up to date queues this CronJob again.
                    return null;
                }

                _context.Events.Warning(Component, cronJob, "UnexpectedJob", $"Saw a job that the controller did not create or forgot: {job.Metadata.Name}");
            }
            else if (inActive && finished is not null)
            {
                cronJob.Status.Active = [.. cronJob.Status.Active.Where(r => r.Uid != job.Metadata.Uid)];
                _context.Events.Normal(Component, cronJob, "SawCompletedJob", $"Saw completed job: {job.Metadata.Name}, condition: {finished}");
            }

            if (finished == "Complete" && job.Status?.CompletionTime is { } completed
                && (cronJob.Status.LastSuccessfulTime is not { } last || completed > last))
            {
                cronJob.Status.LastSuccessfulTime = completed;
            }
        }

        foreach (var reference in cronJob.Status.Active.ToList())
        {
            if (jobs.Any(j => j.Metadata.Uid == reference.Uid))
            {
                continue;
            }

            // Not in the cache: ask the server before forgetting a job we may have just created.
            V1Job? job = null;
            try
            {
                job = await _context.Client.BatchV1.ReadNamespacedJobAsync(reference.Name, cronJob.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
            }

            if (job is null || job.Metadata.Uid != reference.Uid)
            {
                cronJob.Status.Active = [.. cronJob.Status.Active.Where(r => r.Uid != reference.Uid)];
                _context.Events.Normal(Component, cronJob, "MissingJob", $"Active job went missing: {reference.Name}");
            }
        }

        return cronJob;
    }

    /// <summary>Starts the job of the most recent unmet schedule if the policy allows; returns when to look again.</summary>
    private async Task<DateTimeOffset?> ScheduleAsync(V1CronJob cronJob, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var spec = cronJob.Spec;
        TimeZoneInfo? zone = null;
        if (spec.TimeZone is { } zoneName && (zone = CronJobSchedule.FindZone(zoneName)) is null)
        {
            _context.Events.Warning(Component, cronJob, "UnknownTimeZone", $"invalid timeZone: \"{zoneName}\": unknown time zone {zoneName}");
            return null;
        }

        var schedule = CronJobSchedule.Parse(spec.Schedule ?? "", zone, out var error);
        if (schedule is null)
        {
            _context.Events.Warning(Component, cronJob, "UnparseableSchedule", $"unparseable schedule: \"{spec.Schedule}\" : {error}");
            return null;
        }

        if (spec.Suspend == true)
        {
            return null;
        }

        var earliest = Utc(cronJob.Status.LastScheduleTime ?? cronJob.Metadata.CreationTimestamp) ?? now;
        if (spec.StartingDeadlineSeconds is { } deadline && now.AddSeconds(-deadline) > earliest)
        {
            earliest = now.AddSeconds(-deadline);
        }

        var (scheduled, missed) = schedule.MostRecent(earliest, now);
        var next = schedule.Next(now);
        if (missed > 100)
        {
            _context.Events.Warning(Component, cronJob, "TooManyMissedTimes", $"too many missed start times: {missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
        }

        if (scheduled is not { } at)
        {
            return next;
        }

        if (spec.StartingDeadlineSeconds is { } seconds && at.AddSeconds(seconds) < now)
        {
            _context.Events.Warning(Component, cronJob, "MissSchedule", $"Missed scheduled time to start a job: {at.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture)}");
            return next;
        }

        var name = CronJobJobs.JobName(cronJob, at);
        if (cronJob.Status.Active.Any(r => r.Name == name) || Utc(cronJob.Status.LastScheduleTime) == at)
        {
            return next;
        }

        if (spec.ConcurrencyPolicy == "Forbid" && cronJob.Status.Active.Count > 0)
        {
            _context.Events.Normal(Component, cronJob, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            return next;
        }

        if (spec.ConcurrencyPolicy == "Replace")
        {
            foreach (var reference in cronJob.Status.Active.ToList())
            {
                await DeleteJobAsync(cronJob, reference.Name, reference.Uid, cancellationToken).ConfigureAwait(false);
                cronJob.Status.Active = [.. cronJob.Status.Active.Where(r => r.Uid != reference.Uid)];
            }
        }

        var job = await CreateJobAsync(cronJob, CronJobJobs.FromTemplate(cronJob, name, at, schedule.Zone), cancellationToken).ConfigureAwait(false);
        if (job is not null && FinishedCondition(job) is null && cronJob.Status.Active.All(r => r.Uid != job.Metadata.Uid))
        {
            cronJob.Status.Active.Add(new V1ObjectReference
            {
                ApiVersion = "batch/v1",
                Kind = "Job",
                Name = job.Metadata.Name,
                NamespaceProperty = job.Metadata.NamespaceProperty,
                ResourceVersion = job.Metadata.ResourceVersion,
                Uid = job.Metadata.Uid,
            });
        }

        cronJob.Status.LastScheduleTime = at.UtcDateTime;
        return next;
    }

    private async Task<V1Job?> CreateJobAsync(V1CronJob cronJob, V1Job job, CancellationToken cancellationToken)
    {
        try
        {
            var created = await _context.Client.BatchV1.CreateNamespacedJobAsync(job, cronJob.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            _context.Events.Normal(Component, cronJob, "SuccessfulCreate", $"Created job {created.Metadata.Name}");
            return created;
        }
        catch (HttpOperationException e) when (ApiErrors.IsAlreadyExists(e))
        {
            // Created by an earlier sync whose status write was lost: adopt it if it is ours.
            var existing = await _context.Client.BatchV1.ReadNamespacedJobAsync(job.Metadata.Name, cronJob.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            return existing.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == cronJob.Metadata.Uid) == true ? existing : null;
        }
        catch (HttpOperationException e)
        {
            _context.Events.Warning(Component, cronJob, "FailedCreate", $"Error creating job: {e.Response?.Content ?? e.Message}");
            throw;
        }
    }

    /// <summary>Deletes finished jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first.</summary>
    private async Task CleanupHistoryAsync(V1CronJob cronJob, IReadOnlyList<V1Job> jobs, CancellationToken cancellationToken)
    {
        foreach (var (condition, limit) in new[] { ("Complete", cronJob.Spec.SuccessfulJobsHistoryLimit), ("Failed", cronJob.Spec.FailedJobsHistoryLimit) })
        {
            if (limit is not { } keep)
            {
                continue;
            }

            var finished = jobs.Where(j => FinishedCondition(j) == condition && j.Metadata.DeletionTimestamp is null)
                .OrderBy(j => j.Status?.StartTime ?? j.Metadata.CreationTimestamp ?? DateTime.MinValue)
                .ThenBy(j => j.Metadata.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var job in finished.Take(Math.Max(0, finished.Count - keep)))
            {
                await DeleteJobAsync(cronJob, job.Metadata.Name, job.Metadata.Uid, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeleteJobAsync(V1CronJob cronJob, string name, string uid, CancellationToken cancellationToken)
    {
        var options = new V1DeleteOptions { PropagationPolicy = "Background", Preconditions = new V1Preconditions { Uid = uid } };
        try
        {
            await _context.Client.BatchV1.DeleteNamespacedJobAsync(name, cronJob.Metadata.NamespaceProperty, options, cancellationToken: cancellationToken).ConfigureAwait(false);
            _context.Events.Normal(Component, cronJob, "SuccessfulDelete", $"Deleted job {name}");
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
        }
        catch (HttpOperationException e)
        {
            _context.Events.Warning(Component, cronJob, "FailedDelete", $"Deleted job: {e.Response?.Content ?? e.Message}");
            throw;
        }
    }

    private async Task WriteStatusAsync(V1CronJob cached, V1CronJob cronJob, CancellationToken cancellationToken)
    {
        if (cronJob.Status.Active is { Count: 0 })
        {
            // An empty list is omitted, as upstream's omitempty.
            cronJob.Status.Active = null;
        }

        if (KubernetesJson.Serialize(cached.Status ?? new V1CronJobStatus()) == KubernetesJson.Serialize(cronJob.Status))
        {
            return;
        }

        try
        {
            await _context.Client.BatchV1.ReplaceNamespacedCronJobStatusAsync(cronJob, cronJob.Metadata.Name, cronJob.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e))
        {
            // Our cached copy is older than the object (a spec edit, or our own last status write
            // not seen yet). The status is ours alone and already counts the jobs this sync
            // created: put it on the current object, else the next sync would see those jobs as
            // unexpected and count the missed schedules again.
            var fresh = await _context.Client.BatchV1.ReadNamespacedCronJobAsync(cronJob.Metadata.Name, cronJob.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (fresh.Metadata.Uid != cronJob.Metadata.Uid)
            {
                return;
            }

            fresh.Status = cronJob.Status;
            await _context.Client.BatchV1.ReplaceNamespacedCronJobStatusAsync(fresh, fresh.Metadata.Name, fresh.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private void EnqueueOwner(V1Job job)
    {
        var owner = ObjectSelectors.ControllerOf(job.Metadata);
        if (owner is { Kind: "CronJob" } && owner.ApiVersion.StartsWith("batch/", StringComparison.Ordinal))
        {
            Enqueue(ObjectKeys.KeyOf(job.Metadata.NamespaceProperty, owner.Name));
        }
    }

    /// <summary>"Complete" or "Failed" when that condition is true, else null.</summary>
    private static string? FinishedCondition(V1Job job) =>
        job.Status?.Conditions?.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True")?.Type;

    private static V1CronJob Clone(V1CronJob cronJob)
    {
        var copy = KubernetesJson.Deserialize<V1CronJob>(KubernetesJson.Serialize(cronJob));
        copy.Status ??= new V1CronJobStatus();
        return copy;
    }

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}
