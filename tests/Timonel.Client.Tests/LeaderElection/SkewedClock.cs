namespace Timonel.Client.Tests.LeaderElection;

/// <summary>The system clock shifted by a fixed offset: a machine whose wall clock is wrong.</summary>
internal sealed class SkewedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
