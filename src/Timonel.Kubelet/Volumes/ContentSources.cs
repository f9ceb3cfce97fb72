using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The file sets of ConfigMap and Secret volumes (also projected sources): every key, or only the
/// listed items with their paths and modes. Errors read as upstream's FailedMount messages.
/// </summary>
public static class ContentSources
{
    /// <summary>Upstream's default file mode of content volumes (0644).</summary>
    public const int DefaultMode = 0x1A4;

    public static async Task<Dictionary<string, VolumeFile>> ConfigMapAsync(IKubernetes client, string ns, string name, IList<V1KeyToPath>? items, bool optional, int mode, CancellationToken cancellationToken)
    {
        V1ConfigMap? cm;
        try
        {
            cm = await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return optional ? [] : throw new VolumeException($"configmap \"{name}\" not found");
        }

        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (k, v) in cm.Data ?? new Dictionary<string, string>())
        {
            values[k] = Encoding.UTF8.GetBytes(v);
        }

        foreach (var (k, v) in cm.BinaryData ?? new Dictionary<string, byte[]>())
        {
            values[k] = v;
        }

        return Select(values, items, optional, mode, "configmap references non-existent config key");
    }

    public static async Task<Dictionary<string, VolumeFile>> SecretAsync(IKubernetes client, string ns, string name, IList<V1KeyToPath>? items, bool optional, int mode, CancellationToken cancellationToken)
    {
        V1Secret? secret;
        try
        {
            secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return optional ? [] : throw new VolumeException($"secret \"{name}\" not found");
        }

        var values = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        return Select(values, items, optional, mode, "references non-existent secret key");
    }

    /// <summary>All keys as files named after them, or the listed items (a missing key is an error unless optional).</summary>
    public static Dictionary<string, VolumeFile> Select(IReadOnlyDictionary<string, byte[]> values, IList<V1KeyToPath>? items, bool optional, int mode, string missingKeyMessage)
    {
        var files = new Dictionary<string, VolumeFile>(StringComparer.Ordinal);
        if (items is not { Count: > 0 })
        {
            foreach (var (k, v) in values)
            {
                files[k] = new VolumeFile(v, mode);
            }

            return files;
        }

        foreach (var item in items)
        {
            if (!values.TryGetValue(item.Key, out var value))
            {
                if (optional)
                {
                    continue;
                }

                throw new VolumeException($"{missingKeyMessage}: {item.Key}");
            }

            files[item.Path] = new VolumeFile(value, item.Mode ?? mode);
        }

        return files;
    }
}
