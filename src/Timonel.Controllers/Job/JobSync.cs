using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.Job;

/// <summary>
/// The state of one sync of one Job: its pods sorted into active and newly finished ones, the
/// counts including the uncounted, and the decisions (finish, pods to create or delete) taken
/// on them. Changes the Job's status in place; writes nothing to the API.
/// </summary>
internal sealed class JobSync
{
    private readonly IReadOnlyList<V1Pod> _pods;
    private readonly Func<V1Pod, bool> _isReleasing;
    private readonly TimeSpan _backoffBase;
    private readonly (int Failures, DateTimeOffset LastFailure) _backoff;
    private readonly bool _indexed;
    private readonly int? _completions;
    private readonly int _parallelism;
    private readonly SortedSet<int> _completed;
    private readonly HashSet<string> _uncountedSucceeded;
    private readonly HashSet<string> _uncountedFailed;
    private readonly List<V1Pod> _active = [];
    private readonly List<V1Pod> _release = [];
    private string? _failJobMessage;

    public JobSync(V1Job job, IReadOnlyList<V1Pod> pods, DateTimeOffset now, Func<V1Pod, bool> isReleasing, TimeSpan backoffBase, (int Failures, DateTimeOffset LastFailure) backoff)
    {
        Job = job;
        // API timestamps have whole seconds.
        Now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        _pods = pods;
        _isReleasing = isReleasing;
        _backoffBase = backoffBase;
        _backoff = backoff;
        _indexed = job.Spec.CompletionMode == "Indexed";
        _completions = job.Spec.Completions;
        _parallelism = job.Spec.Parallelism ?? 1;
        _completed = _indexed ? CompletedIndexes.Parse(Status.CompletedIndexes, _completions ?? 0) : [];
        _uncountedSucceeded = [.. Status.UncountedTerminatedPods?.Succeeded ?? []];
        _uncountedFailed = [.. Status.UncountedTerminatedPods?.Failed ?? []];
    }

    public V1Job Job { get; }

    public V1JobStatus Status => Job.Status;

    public DateTimeOffset Now { get; }

    /// <summary>The interim condition (FailureTarget or SuccessCriteriaMet) once the Job's outcome is decided.</summary>
    public V1JobCondition? Finishing { get; private set; }

    public int NewSucceeded { get; private set; }

    public int NewFailed { get; private set; }

    /// <summary>Pods whose tracking finalizer is to be removed: counted (or ignored) finished pods.</summary>
    public IReadOnlyList<V1Pod> PodsToRelease => _release;

    public bool HasUncounted => _uncountedSucceeded.Count + _uncountedFailed.Count > 0;

    private bool Suspended => Job.Spec.Suspend == true;

    private int Succeeded => _indexed ? _completed.Count : (Status.Succeeded ?? 0) + _uncountedSucceeded.Count;

    private int Failed => (Status.Failed ?? 0) + _uncountedFailed.Count;

    /// <summary>Time left before activeDeadlineSeconds, while the Job runs unsuspended.</summary>
    public TimeSpan? DeadlineRemaining =>
        Finishing is null && !Suspended && Job.Spec.ActiveDeadlineSeconds is { } seconds && Status.StartTime is { } start
            ? Utc(start).AddSeconds(seconds) - Now
            : null;

    /// <summary>How long pod creation must still wait after recent failures (doubling from the base, capped at 10 minutes).</summary>
    public TimeSpan? BackoffRemaining
    {
        get
        {
            var failures = (NewSucceeded > 0 ? 0 : _backoff.Failures) + NewFailed;
            if (failures == 0 || _backoffBase <= TimeSpan.Zero)
            {
                return null;
            }

            var last = NewFailed > 0 ? Now : _backoff.LastFailure;
            var delay = TimeSpan.FromTicks((long)Math.Min(_backoffBase.Ticks * Math.Pow(2, Math.Min(failures - 1, 30)), TimeSpan.FromMinutes(10).Ticks));
            var remaining = last + delay - Now;
            return remaining > TimeSpan.Zero ? remaining : null;
        }
    }

    /// <summary>Sorts the pods: active ones, and finished ones still holding the finalizer, which become uncounted.</summary>
    public void CountFinishedPods()
    {
        foreach (var pod in _pods)
        {
            if (PodConditions.IsPodActive(pod))
            {
                _active.Add(pod);
            }

            if (!JobPods.HasTrackingFinalizer(pod) || _isReleasing(pod))
            {
                continue;
            }

            var uid = pod.Metadata.Uid;
            if (_uncountedSucceeded.Contains(uid) || _uncountedFailed.Contains(uid))
            {
                _release.Add(pod);
            }
            else if (pod.Status?.Phase == "Succeeded")
            {
                _release.Add(pod);
                _uncountedSucceeded.Add(uid);
                NewSucceeded++;
                if (_indexed && JobPods.IndexOf(pod) is { } index && index < _completions)
                {
                    _completed.Add(index);
                }
            }
            else if (JobPods.IsFailed(pod, Job))
            {
                _release.Add(pod);
                var match = pod.Status?.Phase == "Failed" ? PodFailurePolicyMatcher.Match(Job.Spec.PodFailurePolicy, pod) : null;
                if (match?.Action == PodFailurePolicyMatcher.Ignore)
                {
                    continue;
                }

                _uncountedFailed.Add(uid);
                NewFailed++;
                if (match?.Action == PodFailurePolicyMatcher.FailJob)
                {
                    _failJobMessage ??= match.Value.Message;
                }
            }
        }
    }

    /// <summary>Sets the start time and, when the outcome is now known, the interim condition.</summary>
    public void DecideFinish()
    {
        if (Status.StartTime is null && !Suspended)
        {
            Status.StartTime = Now.UtcDateTime;
        }

        Finishing = Status.Conditions?.FirstOrDefault(c => c.Status == "True" && c.Type is JobConditions.FailureTarget or JobConditions.SuccessCriteriaMet);
        if (Finishing is not null)
        {
            return;
        }

        (string Type, string Reason, string Message)? outcome =
            _failJobMessage is not null ? (JobConditions.FailureTarget, JobConditions.PodFailurePolicy, _failJobMessage)
            : Failed > (Job.Spec.BackoffLimit ?? 6) ? (JobConditions.FailureTarget, JobConditions.BackoffLimitExceeded, JobConditions.BackoffLimitExceededMessage)
            : DeadlineRemaining is { } left && left <= TimeSpan.Zero ? (JobConditions.FailureTarget, JobConditions.DeadlineExceeded, JobConditions.DeadlineExceededMessage)
            : IsComplete() ? (JobConditions.SuccessCriteriaMet, JobConditions.CompletionsReached, JobConditions.CompletionsReachedMessage)
            : null;
        if (outcome is { } o)
        {
            JobConditions.Set(Status, o.Type, "True", o.Reason, o.Message, Now.UtcDateTime);
            Finishing = JobConditions.Find(Status, o.Type);
        }
    }

    /// <summary>The active pods, all of which are to be deleted (the Job finished or was suspended).</summary>
    public IReadOnlyList<V1Pod> TakeAllActive()
    {
        var all = _active.ToList();
        _active.Clear();
        return all;
    }

    /// <summary>Which pods to delete (surplus, duplicate indexes) and which to create (null, or the index to run).</summary>
    public (IReadOnlyList<V1Pod> Delete, IReadOnlyList<int?> Create) PlanPods()
    {
        var delete = new List<V1Pod>();
        var create = new List<int?>();
        if (!_indexed)
        {
            var want = _completions is { } c ? Math.Min(_parallelism, Math.Max(0, c - Succeeded)) : Succeeded > 0 ? _active.Count : _parallelism;
            if (_active.Count > want)
            {
                delete.AddRange(JobPods.InRemovalOrder(_active).Take(_active.Count - want));
            }
            else
            {
                create.AddRange(Enumerable.Repeat<int?>(null, want - _active.Count));
            }
        }
        else
        {
            var completions = _completions ?? 0;
            var running = new SortedDictionary<int, V1Pod>();
            foreach (var pod in _active.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue))
            {
                if (JobPods.IndexOf(pod) is { } index && index < completions && !_completed.Contains(index) && running.TryAdd(index, pod))
                {
                    continue;
                }

                delete.Add(pod);
            }

            var want = Math.Min(_parallelism, completions - _completed.Count);
            if (running.Count > want)
            {
                delete.AddRange(running.Reverse().Take(running.Count - want).Select(e => e.Value));
            }
            else
            {
                var pending = Enumerable.Range(0, completions).Where(i => !_completed.Contains(i) && !running.ContainsKey(i));
                create.AddRange(pending.Take(want - running.Count).Select(i => (int?)i));
            }
        }

        _active.RemoveAll(delete.Contains);
        return (delete, create);
    }

    public void AddCreated(IEnumerable<V1Pod> pods) => _active.AddRange(pods);

    /// <summary>Writes active/ready/terminating, the uncounted pods and the completed indexes into the status.</summary>
    public void FillActiveCounts()
    {
        // active, succeeded and failed are omitted when zero, as upstream's omitempty.
        Status.Active = NullIfZero(_active.Count);
        Status.Ready = _active.Count(PodConditions.IsPodReady);
        Status.Terminating = _pods.Count(JobPods.IsTerminating);
        Status.UncountedTerminatedPods = new V1UncountedTerminatedPods
        {
            Failed = _uncountedFailed.Count == 0 ? null : [.. _uncountedFailed.Order(StringComparer.Ordinal)],
            Succeeded = _uncountedSucceeded.Count == 0 ? null : [.. _uncountedSucceeded.Order(StringComparer.Ordinal)],
        };
        if (_indexed)
        {
            Status.CompletedIndexes = CompletedIndexes.Format(_completed);
        }
    }

    /// <summary>Moves the uncounted pods (whose finalizers are now gone) into succeeded/failed.</summary>
    public void FlushUncounted()
    {
        Status.Succeeded = NullIfZero(Succeeded);
        Status.Failed = NullIfZero(Failed);
        _uncountedSucceeded.Clear();
        _uncountedFailed.Clear();
        Status.UncountedTerminatedPods = new V1UncountedTerminatedPods();
    }

    /// <summary>Adds Complete or Failed once the outcome is decided, nothing runs and everything is counted; returns that condition.</summary>
    public V1JobCondition? CompleteFinish()
    {
        if (Finishing is null || _active.Count > 0 || HasUncounted)
        {
            return null;
        }

        var type = Finishing.Type == JobConditions.FailureTarget ? JobConditions.Failed : JobConditions.Complete;
        if (!JobConditions.Set(Status, type, "True", Finishing.Reason, Finishing.Message, Now.UtcDateTime))
        {
            return null;
        }

        if (type == JobConditions.Complete)
        {
            Status.CompletionTime = Now.UtcDateTime;
        }

        Status.Active = null;
        Status.Ready = 0;
        return JobConditions.Find(Status, type);
    }

    private bool IsComplete() =>
        _indexed ? _completed.Count >= (_completions ?? 0)
        : _completions is { } c ? Succeeded >= c
        : Succeeded > 0 && _active.Count == 0;

    private static int? NullIfZero(int value) => value == 0 ? null : value;

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
