using System.Text;
using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// projected: configMap, secret, downwardAPI and serviceAccountToken sources merged into one
/// directory, written atomically and refreshed on every resync (a token once 80% of its life is gone).
/// </summary>
public sealed class ProjectedVolumePlugin : IVolumePlugin
{
    private const long DefaultTokenSeconds = 3600;

    public string Name => "kubernetes.io~projected";

    public bool RefreshesContent => true;

    public bool CanHandle(V1Volume volume) => volume.Projected is not null;

    public async Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken)
    {
        var mode = volume.Projected.DefaultMode ?? ContentSources.DefaultMode;
        var files = new Dictionary<string, VolumeFile>(StringComparer.Ordinal);
        foreach (var source in volume.Projected.Sources ?? [])
        {
            Dictionary<string, VolumeFile> part;
            if (source.ConfigMap is { } cm)
            {
                part = await ContentSources.ConfigMapAsync(context.Client, context.Namespace, cm.Name, cm.Items, cm.Optional == true, mode, cancellationToken).ConfigureAwait(false);
            }
            else if (source.Secret is { } secret)
            {
                part = await ContentSources.SecretAsync(context.Client, context.Namespace, secret.Name, secret.Items, secret.Optional == true, mode, cancellationToken).ConfigureAwait(false);
            }
            else if (source.DownwardAPI is { } downward)
            {
                part = DownwardApiFiles.Build(context.Pod, downward.Items, mode);
            }
            else if (source.ServiceAccountToken is { } sat)
            {
                var token = await context.Tokens.GetAsync(context.Pod, sat.Audience, sat.ExpirationSeconds ?? DefaultTokenSeconds, cancellationToken).ConfigureAwait(false);
                part = new Dictionary<string, VolumeFile>(StringComparer.Ordinal) { [sat.Path] = new VolumeFile(Encoding.UTF8.GetBytes(token), mode) };
            }
            else
            {
                continue;
            }

            foreach (var (path, file) in part)
            {
                files[path] = file;
            }
        }

        var dir = context.VolumeDir(this, volume);
        AtomicWriter.Write(dir, files, context.Time);
        return new MountedVolume(dir, ReadOnly: true);
    }
}
