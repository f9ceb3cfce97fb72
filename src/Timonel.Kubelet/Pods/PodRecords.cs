using System.Globalization;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// One pod's containers and sandboxes as the runtime reports them, relisted on every sync so a
/// restarted agent adopts what is running. An exited container never changes again, so its
/// record is cached until the container is removed.
/// </summary>
internal sealed class PodRecords
{
    private readonly IContainerRuntime _runtime;
    private readonly string _uid;
    private readonly Dictionary<string, ContainerRecord> _exited = new(StringComparer.Ordinal);

    public PodRecords(IContainerRuntime runtime, string uid)
    {
        _runtime = runtime;
        _uid = uid;
    }

    /// <summary>All container instances of the pod, grouped by container name, newest first.</summary>
    public async Task<Dictionary<string, List<ContainerRecord>>> ListAsync(CancellationToken cancellationToken)
    {
        var filter = new ContainerFilter();
        filter.LabelSelector[CriLabels.PodUid] = _uid;
        var records = new List<ContainerRecord>();
        foreach (var c in await _runtime.ListContainersAsync(filter, cancellationToken).ConfigureAwait(false))
        {
            if (await GetAsync(c.Id, cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }

        return records.GroupBy(r => r.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.RestartCount).ThenByDescending(r => r.CreatedAt).ToList(), StringComparer.Ordinal);
    }

    /// <summary>Every sandbox of the pod, in any state.</summary>
    public Task<IReadOnlyList<PodSandbox>> SandboxesAsync(CancellationToken cancellationToken)
    {
        var filter = new PodSandboxFilter();
        filter.LabelSelector[CriLabels.PodUid] = _uid;
        return _runtime.ListPodSandboxAsync(filter, cancellationToken);
    }

    /// <summary>One container instance; null when the runtime no longer knows it.</summary>
    public async Task<ContainerRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (_exited.TryGetValue(id, out var cached))
        {
            return cached;
        }

        if (await _runtime.ContainerStatusAsync(id, cancellationToken).ConfigureAwait(false) is not { } status)
        {
            return null;
        }

        var record = FromStatus(status);
        if (record.State == RecordState.Exited)
        {
            _exited[id] = record;
        }

        return record;
    }

    /// <summary>The instance changed under the cache (killed now) or is gone: read it afresh next time.</summary>
    public void Forget(string id) => _exited.Remove(id);

    public static ContainerRecord FromStatus(ContainerStatus status) => new(
        status.Id,
        status.Labels.GetValueOrDefault(CriLabels.ContainerName) ?? status.Metadata.Name,
        int.TryParse(status.Annotations.GetValueOrDefault(CriLabels.RestartCount), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int)status.Metadata.Attempt,
        status.State switch
        {
            ContainerState.ContainerRunning => RecordState.Running,
            ContainerState.ContainerExited => RecordState.Exited,
            ContainerState.ContainerCreated => RecordState.Created,
            _ => RecordState.Unknown,
        },
        FromNanos(status.CreatedAt) ?? DateTime.UnixEpoch,
        FromNanos(status.StartedAt),
        FromNanos(status.FinishedAt),
        status.ExitCode,
        status.Reason,
        status.Message,
        status.Image?.Image ?? string.Empty,
        status.ImageRef)
    {
        SpecHash = status.Annotations.GetValueOrDefault(CriLabels.ContainerHash),
    };

    private static DateTime? FromNanos(long nanos) => nanos <= 0 ? null : DateTime.UnixEpoch.AddTicks(nanos / 100);
}
