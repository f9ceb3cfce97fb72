using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The probes of every running app container of the node (upstream's prober manager), one
/// <see cref="ContainerProbes"/> per pod UID and container name, bound to one container instance:
/// a new instance gets fresh probes, as upstream restarts its workers on a new container ID.
/// </summary>
public sealed class ProbeManager : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string PodUid, string Container), ContainerProbes> _probes = [];
    private readonly Prober _prober;
    private readonly TimeProvider _time;

    public ProbeManager(Prober prober, TimeProvider time)
    {
        _prober = prober;
        _time = time;
    }

    /// <summary>
    /// The probes of <paramref name="containerId"/>, started on first use; <paramref name="onChange"/>
    /// runs when a result flips (the pod worker syncs again), <paramref name="unhealthy"/> on every failed run.
    /// </summary>
    public ContainerProbes Ensure(string podUid, V1Container container, string containerId, string? podIp, Action onChange, Action<string>? unhealthy = null)
    {
        ContainerProbes? replaced;
        ContainerProbes probes;
        lock (_lock)
        {
            if (_probes.TryGetValue((podUid, container.Name), out replaced) && replaced.ContainerId == containerId)
            {
                return replaced;
            }

            probes = new ContainerProbes(_prober, container, containerId, podIp, onChange, _time, unhealthy);
            _probes[(podUid, container.Name)] = probes;
        }

        // The old instance's loops end in the background: the caller's sync must not wait for a probe in flight.
        if (replaced is not null)
        {
            _ = replaced.DisposeAsync().AsTask();
        }

        probes.Start();
        return probes;
    }

    /// <summary>Stops the probes of one container (it is no longer running).</summary>
    public async Task DropAsync(string podUid, string container)
    {
        ContainerProbes? probes;
        lock (_lock)
        {
            _probes.Remove((podUid, container), out probes);
        }

        if (probes is not null)
        {
            await probes.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops every probe of a pod (it is being killed or its worker stops).</summary>
    public async Task DropPodAsync(string podUid)
    {
        List<ContainerProbes> dropped;
        lock (_lock)
        {
            var keys = _probes.Keys.Where(k => k.PodUid == podUid).ToList();
            dropped = [.. keys.Select(k => _probes[k])];
            foreach (var key in keys)
            {
                _probes.Remove(key);
            }
        }

        foreach (var probes in dropped)
        {
            await probes.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ContainerProbes> all;
        lock (_lock)
        {
            all = [.. _probes.Values];
            _probes.Clear();
        }

        foreach (var probes in all)
        {
            await probes.DisposeAsync().ConfigureAwait(false);
        }
    }
}
