using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The volumes of one pod, owned by its pod worker. Each sync sets up what is not ready yet and,
/// once per resync interval, rewrites the content volumes. A volume that was ready keeps its last
/// good content when a refresh fails (upstream keeps running containers on their old files).
/// </summary>
public sealed class PodVolumes
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(30);
    private readonly VolumeManager _manager;
    private readonly ServiceAccountTokens _tokens;
    private readonly IKubernetes _client;
    private readonly TimeProvider _time;
    private readonly string _podDir;
    private readonly Dictionary<string, MountedVolume> _ready = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Message, DateTimeOffset At)> _reported = new(StringComparer.Ordinal);
    private DateTimeOffset _lastResync = DateTimeOffset.MinValue;

    internal PodVolumes(VolumeManager manager, ServiceAccountTokens tokens, IKubernetes client, TimeProvider time, string podDir)
    {
        _manager = manager;
        _tokens = tokens;
        _client = client;
        _time = time;
        _podDir = podDir;
    }

    /// <summary>Volumes set up so far, by name.</summary>
    public IReadOnlyDictionary<string, MountedVolume> Ready => _ready;

    /// <summary>True when every volume of <paramref name="pod"/> is set up.</summary>
    public bool AllReady(V1Pod pod) => (pod.Spec.Volumes ?? []).All(v => _ready.ContainsKey(v.Name));

    /// <summary>The eviction message when a disk emptyDir of the pod is over its sizeLimit, else null.</summary>
    public string? EmptyDirLimitViolation(V1Pod pod) => _manager.SetsUpNothing ? null :
        EmptyDirLimits.Violation(pod, volume => new VolumeContext(pod, _podDir, _client, _tokens, _time).VolumeDir(VolumeManager.Plugins.OfType<EmptyDirVolumePlugin>().First(), volume));

    /// <summary>
    /// Sets up the pod's volumes; returns the failures worth an event now (each distinct message
    /// at once, a repeated one every 30 s), as "MountVolume.SetUp failed for volume ..." texts.
    /// </summary>
    public async Task<IReadOnlyList<string>> SetUpAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        if (_manager.SetsUpNothing)
        {
            foreach (var volume in pod.Spec.Volumes ?? [])
            {
                _ready.TryAdd(volume.Name, new MountedVolume(Path.Combine(_podDir, "volumes", volume.Name), ReadOnly: false));
            }

            return [];
        }

        var now = _time.GetUtcNow();
        var resync = now - _lastResync >= _manager.ResyncInterval;
        var context = new VolumeContext(pod, _podDir, _client, _tokens, _time);
        var reports = new List<string>();
        var allOk = true;
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            var plugin = VolumeManager.Plugins.FirstOrDefault(p => p.CanHandle(volume));
            if (_ready.ContainsKey(volume.Name) && (plugin is null || !plugin.RefreshesContent || !resync))
            {
                continue;
            }

            string message;
            try
            {
                if (plugin is null)
                {
                    throw new VolumeException("the volume's type is not supported on this node");
                }

                _ready[volume.Name] = await plugin.SetUpAsync(context, volume, cancellationToken).ConfigureAwait(false);
                _reported.Remove(volume.Name);
                continue;
            }
            catch (VolumeException e)
            {
                message = e.Message;
            }
            catch (HttpOperationException e)
            {
                message = $"{(int)e.Response.StatusCode}: {e.Response.Content}";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
            {
                message = e.Message;
            }

            allOk = false;
            var text = $"MountVolume.SetUp failed for volume \"{volume.Name}\" : {message}";
            if (!_reported.TryGetValue(volume.Name, out var last) || last.Message != text || now - last.At >= ReportEvery)
            {
                _reported[volume.Name] = (text, now);
                reports.Add(text);
            }
        }

        if (resync && allOk)
        {
            _lastResync = now;
        }

        return reports;
    }
}
