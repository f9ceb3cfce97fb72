using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The startup, liveness and readiness probes of one running container instance, each in its
/// own loop with upstream's semantics: nothing but startup runs until startup succeeds; a probe
/// flips after successThreshold successes or failureThreshold failures; readiness starts false.
/// A failed liveness or startup probe asks the pod worker (through <c>onChange</c>) to restart.
/// Every failed run, below the threshold too, is reported through <c>unhealthy</c> with upstream's
/// Unhealthy event text ("Liveness probe failed: OUTPUT").
/// </summary>
public sealed class ContainerProbes : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly Prober _prober;
    private readonly V1Container _container;
    private readonly string _containerId;
    private readonly string? _podIp;
    private readonly Action _onChange;
    private readonly Action<string>? _unhealthy;
    private readonly TimeProvider _time;

    public ContainerProbes(Prober prober, V1Container container, string containerId, string? podIp, Action onChange, TimeProvider time, Action<string>? unhealthy = null)
    {
        _unhealthy = unhealthy;
        _prober = prober;
        _container = container;
        _containerId = containerId;
        _podIp = podIp;
        _onChange = onChange;
        _time = time;
        Started = container.StartupProbe is null;
        Ready = container.ReadinessProbe is null;
    }

    public string ContainerId => _containerId;

    public bool Started { get; private set; }

    public bool Ready { get; private set; }

    /// <summary>Set when liveness or startup failed: upstream's "Container NAME failed liveness probe".</summary>
    public string? KillReason { get; private set; }

    public void Start()
    {
        if (_container.StartupProbe is { } startup)
        {
            _loops.Add(Task.Run(() => LoopAsync(startup, ProbeKind.Startup, _stop.Token)));
        }

        if (_container.LivenessProbe is { } liveness)
        {
            _loops.Add(Task.Run(() => LoopAsync(liveness, ProbeKind.Liveness, _stop.Token)));
        }

        if (_container.ReadinessProbe is { } readiness)
        {
            _loops.Add(Task.Run(() => LoopAsync(readiness, ProbeKind.Readiness, _stop.Token)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(V1Probe probe, ProbeKind kind, CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        var successThreshold = Math.Max(1, probe.SuccessThreshold ?? 1);
        var failureThreshold = Math.Max(1, probe.FailureThreshold ?? 3);
        var successes = 0;
        var failures = 0;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, probe.InitialDelaySeconds ?? 0)), _time, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                if (kind == ProbeKind.Startup && Started)
                {
                    return;
                }

                if (kind == ProbeKind.Startup || Started)
                {
                    var outcome = await _prober.RunAsync(probe, _container, _containerId, _podIp, cancellationToken).ConfigureAwait(false);
                    if (outcome.Success)
                    {
                        failures = 0;
                        if (++successes >= successThreshold)
                        {
                            Succeeded(kind);
                        }
                    }
                    else
                    {
                        successes = 0;
                        _unhealthy?.Invoke($"{kind} probe failed: {outcome.Message}");
                        if (++failures >= failureThreshold)
                        {
                            Failed(kind);
                            if (kind != ProbeKind.Readiness)
                            {
                                return;
                            }
                        }
                    }
                }

                await Task.Delay(period, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Succeeded(ProbeKind kind)
    {
        switch (kind)
        {
            case ProbeKind.Startup when !Started:
                Started = true;
                _onChange();
                break;
            case ProbeKind.Readiness when !Ready:
                Ready = true;
                _onChange();
                break;
            default:
                break;
        }
    }

    private void Failed(ProbeKind kind)
    {
        switch (kind)
        {
            case ProbeKind.Readiness when Ready:
                Ready = false;
                _onChange();
                break;
            case ProbeKind.Liveness or ProbeKind.Startup when KillReason is null:
                KillReason = $"Container {_container.Name} failed {(kind == ProbeKind.Liveness ? "liveness" : "startup")} probe";
                _onChange();
                break;
            default:
                break;
        }
    }

    private enum ProbeKind
    {
        Startup,
        Liveness,
        Readiness,
    }
}
