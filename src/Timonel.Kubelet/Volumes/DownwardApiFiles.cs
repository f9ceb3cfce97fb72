using System.Globalization;
using System.Text;
using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The files of a downwardAPI volume (or projected source): pod metadata through fieldRef
/// (whole label and annotation maps as sorted <c>key="value"</c> lines, as upstream) and
/// container resources through resourceFieldRef.
/// </summary>
public static class DownwardApiFiles
{
    public static Dictionary<string, VolumeFile> Build(V1Pod pod, IList<V1DownwardAPIVolumeFile>? items, int mode)
    {
        var files = new Dictionary<string, VolumeFile>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            string value;
            try
            {
                value = item switch
                {
                    { FieldRef: { } field } => FieldValue(pod, field.FieldPath),
                    { ResourceFieldRef: { } resource } => EnvResolver.ResourceValue(pod, Container(pod, resource.ContainerName), resource),
                    _ => throw new VolumeException($"downwardAPI item \"{item.Path}\" has neither fieldRef nor resourceFieldRef"),
                };
            }
            catch (InvalidOperationException e)
            {
                throw new VolumeException(e.Message, e);
            }

            files[item.Path] = new VolumeFile(Encoding.UTF8.GetBytes(value), item.Mode ?? mode);
        }

        return files;
    }

    public static string FieldValue(V1Pod pod, string path) => path switch
    {
        "metadata.labels" => FormatMap(pod.Metadata.Labels),
        "metadata.annotations" => FormatMap(pod.Metadata.Annotations),
        _ => EnvResolver.FieldValue(pod, path, pod.Status?.PodIP, pod.Status?.HostIP ?? string.Empty),
    };

    /// <summary>Upstream's fieldpath.FormatMap: sorted <c>key="value"</c> lines, values quoted as Go's %q, no final newline.</summary>
    public static string FormatMap(IDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return string.Empty;
        }

        return string.Join('\n', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Quote(p.Value)}"));
    }

    private static V1Container Container(V1Pod pod, string? name) =>
        (pod.Spec.Containers ?? []).Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == name)
        ?? throw new VolumeException($"resourceFieldRef names unknown container \"{name}\"");

    private static string Quote(string value)
    {
        var b = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    b.Append("\\\"");
                    break;
                case '\\':
                    b.Append("\\\\");
                    break;
                case '\n':
                    b.Append("\\n");
                    break;
                case '\t':
                    b.Append("\\t");
                    break;
                case '\r':
                    b.Append("\\r");
                    break;
                case < ' ':
                    b.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    b.Append(c);
                    break;
            }
        }

        return b.Append('"').ToString();
    }
}
