using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler;

/// <summary>The outcome of the algorithm for one pod: the chosen node, or why none fits (or an error).</summary>
public sealed record ScheduleResult(string? SuggestedHost, int EvaluatedNodes, int FeasibleNodes, FitError? FitError, Status? Error)
{
    public bool Succeeded => SuggestedHost is not null;
}
