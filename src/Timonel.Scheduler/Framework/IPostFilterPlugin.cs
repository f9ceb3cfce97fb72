namespace Timonel.Scheduler.Framework;

/// <summary>
/// Runs when no node passed Filter (e.g. preemption). Returns a nominated node when it made room
/// (the pod is retried and expected to land there), or a rejection whose message is appended to
/// the failure message.
/// </summary>
public interface IPostFilterPlugin : IPlugin
{
    Task<PostFilterResult> PostFilterAsync(CycleState state, PodInfo pod, IReadOnlyDictionary<string, Status> filteredNodeStatuses, CancellationToken cancellationToken);
}

/// <summary>What a PostFilter plugin achieved.</summary>
public sealed record PostFilterResult(Status Status, string? NominatedNodeName = null);
