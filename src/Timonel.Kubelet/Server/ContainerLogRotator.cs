using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Server;

/// <summary>
/// Rotates running containers' log files by size as upstream's kubelet does: a file over
/// containerLogMaxSize is renamed to "&lt;path&gt;.&lt;yyyyMMdd-HHmmss&gt;", the runtime is asked to reopen
/// its log (CRI ReopenContainerLog), and only containerLogMaxFiles files per container are kept.
/// </summary>
internal sealed partial class ContainerLogRotator(CriClient cri, KubeletOptions options, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.ContainerLogMonitorInterval, time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            try
            {
                await RotateAllAsync(ct).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                LogFailed(logger, e.Status.Detail);
            }
        }
    }

    public async Task RotateAllAsync(CancellationToken ct)
    {
        var filter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } };
        filter.LabelSelector[CriLabels.Managed] = "true";
        var running = (await cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, cancellationToken: ct).ConfigureAwait(false)).Containers;
        foreach (var container in running)
        {
            ContainerStatus status;
            try
            {
                status = (await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = container.Id }, cancellationToken: ct).ConfigureAwait(false)).Status;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                continue;
            }

            if (status.LogPath.Length > 0)
            {
                await RotateAsync(container.Id, status.LogPath, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task RotateAsync(string id, string path, CancellationToken ct)
    {
        var file = new FileInfo(path);
        if (!file.Exists || file.Length < options.ContainerLogMaxSize)
        {
            return;
        }

        var rotated = $"{path}.{time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        for (var n = 1; File.Exists(rotated); n++)
        {
            rotated = $"{path}.{time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.{n}";
        }

        File.Move(path, rotated);
        try
        {
            await cri.Runtime.ReopenContainerLogAsync(new ReopenContainerLogRequest { ContainerId = id }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            // The container stopped meanwhile or the runtime refused: the file keeps its name.
            File.Move(rotated, path);
            LogFailed(logger, e.Status.Detail);
            return;
        }

        var old = Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*")
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .Skip(Math.Max(0, options.ContainerLogMaxFiles - 1));
        foreach (var stale in old)
        {
            File.Delete(stale);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "log rotation failed: {Detail}")]
    private static partial void LogFailed(ILogger logger, string detail);
}
