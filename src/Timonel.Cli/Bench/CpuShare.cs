using System.Diagnostics;

namespace Timonel.Cli.Bench;

/// <summary>CPU used during one phase: server, client and the rest of the machine, as a share of all cores.</summary>
internal sealed record CpuShare(double WallSeconds, double? ServerSeconds, double ClientSeconds, double? MachineSeconds)
{
    /// <summary>Of <see cref="ServerSeconds"/>: the server's background JIT (tier-up) thread, when measured.</summary>
    public double? ServerJitSeconds { get; init; }

    /// <summary>Of <see cref="ClientSeconds"/>: the client's background JIT (tier-up) thread, when measured.</summary>
    public double? ClientJitSeconds { get; init; }

    private static readonly int Cores = Environment.ProcessorCount;

    /// <summary>Percent of the machine's total capacity (100 % = every core busy).</summary>
    public static double Percent(double seconds, double wall) => wall <= 0 ? 0 : seconds / (wall * Cores) * 100;

    public double? OtherSeconds => MachineSeconds is { } m ? Math.Max(0, m - ClientSeconds - (ServerSeconds ?? 0)) : null;

    public string Describe()
    {
        var server = ServerSeconds is { } s ? $"server {Percent(s, WallSeconds):F0}%" : "server n/a";
        var other = OtherSeconds is { } o ? $", other {Percent(o, WallSeconds):F0}%" : "";
        return $"{server}, client {Percent(ClientSeconds, WallSeconds):F0}%{other} of {Cores} cores";
    }

    /// <summary>Starts measuring; dispose-free: call <see cref="Probe.Stop"/> at the phase's end.</summary>
    public static Probe Start(int? serverPid) => new(serverPid);

    internal sealed class Probe(int? serverPid)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly double? _server = serverPid is { } p ? ProcessStats.CpuSeconds(p) : null;
        private readonly double _client = ProcessStats.OwnCpuSeconds();
        private readonly double? _machine = ProcessStats.MachineBusySeconds();
        private readonly Dictionary<int, long>? _serverJit = serverPid is { } p ? ProcessStats.JitWorkerTicks(p) : null;
        private readonly Dictionary<int, long>? _clientJit = ProcessStats.JitWorkerTicks(Environment.ProcessId);

        public CpuShare Stop()
        {
            var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            double? server = serverPid is { } p && _server is { } s0 && ProcessStats.CpuSeconds(p) is { } s1 ? s1 - s0 : null;
            double? machine = _machine is { } m0 && ProcessStats.MachineBusySeconds() is { } m1 ? m1 - m0 : null;
            var serverJit = serverPid is { } q ? ProcessStats.JitWorkerSecondsBetween(_serverJit, ProcessStats.JitWorkerTicks(q)) : null;
            var clientJit = ProcessStats.JitWorkerSecondsBetween(_clientJit, ProcessStats.JitWorkerTicks(Environment.ProcessId));
            return new CpuShare(wall, server, ProcessStats.OwnCpuSeconds() - _client, machine) { ServerJitSeconds = serverJit, ClientJitSeconds = clientJit };
        }
    }
}
