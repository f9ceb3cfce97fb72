using System.Collections.Concurrent;
using k8s.Models;
using Timonel.Client.Expectations;

namespace Timonel.Controllers.Job;

/// <summary>
/// Remembers the last status the controller wrote for each Job, so a sync can tell that the Job
/// cache has not caught up with it yet. The pod and Job informers are separate watches: a pod whose
/// tracking finalizer the controller removed (after writing its uid into uncountedTerminatedPods)
/// can reach the pod cache before that status write reaches the Job cache. A sync on such a view
/// finds the pod neither holding the finalizer nor counted, under-counts it, and creates a pod
/// too many (upstream kubernetes#130103, whose fix covers only the finished-Job case).
/// </summary>
/// <remarks>
/// The counts only grow, so a cached status that counts less than the last write is older than it.
/// A record ends when the cache shows the write (same resourceVersion, or counts at least as high),
/// when the Job is gone or replaced (another uid), or after <see cref="ControllerExpectations.ExpectationsTimeout"/>,
/// so a status lowered by hand cannot hold the Job forever.
/// </remarks>
internal sealed class JobStatusWrites(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Written> _written = new(StringComparer.Ordinal);

    /// <summary>The controller wrote <paramref name="job"/>'s status; the server gave it its resourceVersion.</summary>
    public void Record(string key, V1Job job) =>
        _written[key] = new Written(job.Metadata.Uid, job.Metadata.ResourceVersion, Counts.Of(job), time.GetUtcNow());

    /// <summary>Whether the cached Job is older than the controller's last status write for it.</summary>
    public bool Lags(string key, V1Job cached)
    {
        if (!_written.TryGetValue(key, out var written))
        {
            return false;
        }

        var caughtUp = written.Uid != cached.Metadata.Uid
            || written.ResourceVersion == cached.Metadata.ResourceVersion
            || Counts.Of(cached).Covers(written.Counts)
            || time.GetUtcNow() - written.At > ControllerExpectations.ExpectationsTimeout;
        if (caughtUp)
        {
            // Only this record: a newer write recorded meanwhile stays.
            _written.TryRemove(new KeyValuePair<string, Written>(key, written));
        }

        return !caughtUp;
    }

    public void Forget(string key) => _written.TryRemove(key, out _);

    private sealed record Written(string Uid, string ResourceVersion, Counts Counts, DateTimeOffset At);

    /// <summary>Finished pods a status accounts for: counted plus uncounted, and completed indexes.</summary>
    private readonly record struct Counts(int Succeeded, int Failed, int Indexes)
    {
        public static Counts Of(V1Job job)
        {
            var status = job.Status;
            var completions = job.Spec?.Completions ?? 0;
            var indexes = job.Spec?.CompletionMode == "Indexed" ? CompletedIndexes.Parse(status?.CompletedIndexes, completions).Count : 0;
            return new Counts(
                (status?.Succeeded ?? 0) + (status?.UncountedTerminatedPods?.Succeeded?.Count ?? 0),
                (status?.Failed ?? 0) + (status?.UncountedTerminatedPods?.Failed?.Count ?? 0),
                indexes);
        }

        public bool Covers(Counts other) => Succeeded >= other.Succeeded && Failed >= other.Failed && Indexes >= other.Indexes;
    }
}
