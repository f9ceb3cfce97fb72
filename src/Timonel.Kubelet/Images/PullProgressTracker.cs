namespace Timonel.Kubelet.Images;

/// <summary>
/// Decides from successive looks at the runtime's downloads whether one pull still makes
/// progress (the check behind --image-pull-progress-deadline, as upstream's old kubelet flag and
/// containerd 1.7's image_pull_progress_timeout). The pull's own downloads are those that appeared
/// or changed since it started; one left behind earlier and never touched again is not its.
/// Progress is any change among them: a new download, bytes written, one finished. While none
/// runs (the manifest being resolved, layers unpacked) there is nothing to wait for, so the
/// deadline does not run either; it runs while downloads exist and none of them advances.
/// </summary>
public sealed class PullProgressTracker
{
    private readonly TimeSpan _deadline;
    private readonly Dictionary<string, (long Offset, DateTimeOffset UpdatedAt)> _before;
    private Dictionary<string, long> _last = new(StringComparer.Ordinal);
    private DateTimeOffset _lastProgress;

    /// <param name="before">The downloads at the pull's start (others' or left behind).</param>
    public PullProgressTracker(TimeSpan deadline, IReadOnlyList<IngestStatus> before, DateTimeOffset started)
    {
        _deadline = deadline;
        _before = before.ToDictionary(s => s.Ref, s => (s.Offset, s.UpdatedAt), StringComparer.Ordinal);
        _lastProgress = started;
    }

    /// <summary>The pull's downloads at the last look.</summary>
    public IReadOnlyList<IngestStatus> Current { get; private set; } = [];

    /// <summary>Takes one look; returns the stall once the pull's downloads did not advance for the deadline, else null.</summary>
    public PullStall? Observe(IReadOnlyList<IngestStatus> ingests, DateTimeOffset now)
    {
        Current = [.. ingests.Where(Ours).OrderBy(s => s.Ref, StringComparer.Ordinal)];
        var offsets = Current.ToDictionary(s => s.Ref, s => s.Offset, StringComparer.Ordinal);
        var changed = offsets.Count != _last.Count || offsets.Any(o => !_last.TryGetValue(o.Key, out var before) || before != o.Value);
        _last = offsets;
        if (Current.Count == 0 || changed)
        {
            _lastProgress = now;
            return null;
        }

        return now - _lastProgress >= _deadline ? new PullStall(_deadline, Current) : null;
    }

    /// <summary>Looking failed: the pull is not blamed for the runtime's silence, the wait starts over.</summary>
    public void Unknown(DateTimeOffset now) => _lastProgress = now;

    private bool Ours(IngestStatus status) =>
        !_before.TryGetValue(status.Ref, out var before) || before.Offset != status.Offset || before.UpdatedAt != status.UpdatedAt;
}

/// <summary>A pull whose downloads made no progress for the deadline: the downloads and where each stopped.</summary>
public sealed record PullStall(TimeSpan Deadline, IReadOnlyList<IngestStatus> Stuck)
{
    /// <summary>E.g. "layer sha256:ab12… stuck at 2097152 of 10143027 bytes".</summary>
    public string Describe() => string.Join(", ", Stuck.Select(s =>
    {
        // containerd names a download KIND-DIGEST (layer-sha256:HEX, manifest-sha256:HEX, config-sha256:HEX).
        var dash = s.Ref.IndexOf('-', StringComparison.Ordinal);
        var what = dash > 0 && s.Ref.IndexOf(':', StringComparison.Ordinal) > dash ? $"{s.Ref[..dash]} {s.Ref[(dash + 1)..]}" : s.Ref;
        return s.Total > 0 ? $"{what} stuck at {s.Offset} of {s.Total} bytes" : $"{what} stuck at {s.Offset} bytes";
    }));
}
