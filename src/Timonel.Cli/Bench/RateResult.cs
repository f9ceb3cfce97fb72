namespace Timonel.Cli.Bench;

/// <summary>Outcome of a closed-loop run: successes, failures, wall time, latencies, CPU.</summary>
internal sealed record RateResult(string Name, int Ok, int Failed, double Seconds, Latencies Latencies, CpuShare Cpu, string? FirstError)
{
    public double PerSecond => Seconds <= 0 ? 0 : Ok / Seconds;
}
