using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The node's volume plugins and pod directories (DATA_DIR/agent/pods/&lt;uid&gt;): hands each pod
/// worker its <see cref="PodVolumes"/>, and removes a pod's volumes (tmpfs unmounted first) when
/// the pod is gone. hostPath and PVC paths live outside the pod directory and are never removed.
/// </summary>
public sealed partial class VolumeManager
{
    private readonly IKubernetes _client;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public VolumeManager(IKubernetes client, string podsDir, TimeSpan resyncInterval, TimeProvider time, ILogger log)
    {
        _client = client;
        PodsDir = podsDir;
        ResyncInterval = resyncInterval;
        _time = time;
        _log = log;
    }

    /// <summary>Every plugin, tried in order for each volume.</summary>
    public static IReadOnlyList<IVolumePlugin> Plugins { get; } =
    [
        new EmptyDirVolumePlugin(),
        new HostPathVolumePlugin(),
        new ConfigMapVolumePlugin(),
        new SecretVolumePlugin(),
        new DownwardApiVolumePlugin(),
        new ProjectedVolumePlugin(),
        new PersistentVolumeClaimVolumePlugin(),
    ];

    public string PodsDir { get; }

    /// <summary>How often content volumes (configMap, secret, downwardAPI, projected) are rewritten from the API.</summary>
    public TimeSpan ResyncInterval { get; }

    /// <summary>
    /// True on hollow nodes, where no container reads a file: every volume counts as set up at
    /// once, with no file written and no object or token read from the API.
    /// </summary>
    public bool SetsUpNothing { get; init; }

    public string PodDir(string uid) => Path.Combine(PodsDir, uid);

    public PodVolumes ForPod(V1Pod pod) => new(this, new ServiceAccountTokens(_client, _time), _client, _time, PodDir(pod.Metadata.Uid));

    /// <summary>Unmounts what is mounted under the pod's directory, then removes it.</summary>
    public void CleanUpPod(string uid)
    {
        var dir = PodDir(uid);
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var mount in VolumeSyscalls.MountsUnder(dir))
        {
            VolumeSyscalls.Unmount(mount);
        }

        if (VolumeSyscalls.MountsUnder(dir).Count > 0)
        {
            // Deleting through a mount would delete what it shows; leave it for the next cleanup.
            LogStillMounted(dir);
            return;
        }

        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException e)
        {
            LogCleanupFailed(dir, e.Message);
        }
    }

    /// <summary>Removes the directories of pods this node no longer runs (after an agent restart).</summary>
    public void CleanUpOrphans(IReadOnlySet<string> knownUids)
    {
        if (!Directory.Exists(PodsDir))
        {
            return;
        }

        foreach (var dir in Directory.GetDirectories(PodsDir))
        {
            var uid = Path.GetFileName(dir);
            if (!knownUids.Contains(uid))
            {
                CleanUpPod(uid);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod volumes in {Dir} are still mounted; not removed")]
    private partial void LogStillMounted(string dir);

    [LoggerMessage(Level = LogLevel.Warning, Message = "removing pod volumes in {Dir} failed: {Reason}")]
    private partial void LogCleanupFailed(string dir, string reason);
}
