using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The node's half of the local-path provisioner: when a volume it provisioned
/// (pv.kubernetes.io/provisioned-by timonel.dev/local-path) and pinned to this node is Released
/// with reclaimPolicy Delete, the directory is removed here, where it lives, and then the
/// PersistentVolume object is deleted. Only a directory named after the volume (pvc-&lt;uid&gt;) is
/// ever removed.
/// </summary>
public sealed partial class LocalPathReclaimer : IAsyncDisposable
{
    public const string ProvisionerName = "timonel.dev/local-path";
    private readonly IKubernetes _client;
    private readonly string _nodeName;
    private readonly ILogger _log;
    private readonly SharedInformer<V1PersistentVolume> _informer;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private IDisposable? _registration;

    public LocalPathReclaimer(IKubernetes client, string nodeName, ILoggerFactory loggers, TimeProvider time)
    {
        _client = client;
        _nodeName = nodeName;
        _log = loggers.CreateLogger("kubelet.local-path");
        _informer = new SharedInformer<V1PersistentVolume>(client, ResourceKinds.PersistentVolumes, new InformerOptions(), loggers.CreateLogger("kubelet.informer"), time);
    }

    public void Start()
    {
        _registration = _informer.AddEventHandler(new InformerEventHandler<V1PersistentVolume>(Consider, (_, pv) => Consider(pv), _ => { }));
        _informer.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _registration?.Dispose();
        await _informer.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>True when the volume is a Released local-path volume of this node to delete, and its directory is named after it.</summary>
    public static bool ShouldReclaim(V1PersistentVolume pv, string nodeName) =>
        pv.Metadata.Annotations?.TryGetValue("pv.kubernetes.io/provisioned-by", out var by) == true && by == ProvisionerName
        && pv.Status?.Phase == "Released"
        && pv.Spec?.PersistentVolumeReclaimPolicy == "Delete"
        && pv.Metadata.DeletionTimestamp is null
        && pv.Spec.HostPath?.Path is { } path
        && Path.GetFileName(path.TrimEnd('/')) == pv.Metadata.Name
        && pv.Metadata.Name.StartsWith("pvc-", StringComparison.Ordinal)
        && (pv.Spec.NodeAffinity?.Required?.NodeSelectorTerms ?? []).Any(t => (t.MatchExpressions ?? []).Any(e => e.Key == "kubernetes.io/hostname" && e.OperatorProperty == "In" && e.Values?.Contains(nodeName) == true));

    private void Consider(V1PersistentVolume pv)
    {
        if (!ShouldReclaim(pv, _nodeName))
        {
            return;
        }

        lock (_lock)
        {
            if (!_inProgress.Add(pv.Metadata.Name))
            {
                return;
            }
        }

        _ = Task.Run(() => ReclaimAsync(pv, _stop.Token));
    }

    private async Task ReclaimAsync(V1PersistentVolume pv, CancellationToken ct)
    {
        try
        {
            var path = pv.Spec.HostPath.Path;
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            await _client.CoreV1.DeletePersistentVolumeAsync(pv.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pv.Metadata.Uid } }, cancellationToken: ct).ConfigureAwait(false);
            LogReclaimed(pv.Metadata.Name, path);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpOperationException or HttpRequestException)
        {
            LogReclaimFailed(pv.Metadata.Name, e.Message);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_lock)
            {
                _inProgress.Remove(pv.Metadata.Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "local-path volume {Volume} released: removed {Path} and the PersistentVolume")]
    private partial void LogReclaimed(string volume, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "local-path volume {Volume}: reclaim failed: {Reason}")]
    private partial void LogReclaimFailed(string volume, string reason);
}
