using Timonel.Api.Images;
using System.Globalization;
using System.Text;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Images;

/// <summary>
/// `timonel images ls`'s table, crictl images-like: one row per tag (an untagged image once, as
/// &lt;none&gt;), with its digest and id (short), size, whether it is pinned (never pulled over
/// nor garbage collected) and when a container last used it: "in use" while a container (running
/// or not) uses it, else from the agent's image records.
/// </summary>
public static class ImageTable
{
    public static string Render(IEnumerable<Image> images, Func<Image, bool> pinned, Func<Image, bool> inUse, IReadOnlyDictionary<string, ImageUsage> usage, DateTimeOffset now)
    {
        var rows = new List<string[]> { new[] { "IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE", "PINNED", "LAST USED" } };
        foreach (var image in images.OrderBy(i => i.RepoTags.FirstOrDefault() ?? "~", StringComparer.Ordinal))
        {
            var digest = image.RepoDigests.Select(d => d[(d.IndexOf('@', StringComparison.Ordinal) + 1)..]).FirstOrDefault() ?? "<none>";
            var isPinned = pinned(image) ? "true" : "false";
            var lastUse = inUse(image) ? "in use" : usage.TryGetValue(image.Id, out var record) ? LastUse(record, now) : "-";
            foreach (var tag in image.RepoTags.DefaultIfEmpty("<none>:<none>"))
            {
                var colon = tag.LastIndexOf(':');
                var (repository, version) = colon > tag.LastIndexOf('/') ? (tag[..colon], tag[(colon + 1)..]) : (tag, "<none>");
                rows.Add([repository, version, Short(digest), Short(image.Id), Size(image.Size), isPinned, lastUse]);
            }
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>Whether a container of <paramref name="containers"/> uses the image (by id, tag or digest), as garbage collection counts it.</summary>
    public static bool UsedBy(Image image, IEnumerable<Container> containers)
    {
        var names = new HashSet<string>([image.Id, .. image.RepoTags, .. image.RepoDigests], StringComparer.Ordinal);
        return containers.Any(c => names.Contains(c.ImageRef) || (c.Image?.Image is { Length: > 0 } name && (names.Contains(name) || names.Contains(ImageReference.Normalize(name)))));
    }

    /// <summary>"3m ago" when a container used it; "never" when the agent saw it but never in use.</summary>
    public static string LastUse(ImageUsage record, DateTimeOffset now)
    {
        if (record.LastUsed is not { } used)
        {
            return "never";
        }

        var age = now - used;
        var text = age < TimeSpan.FromMinutes(1) ? $"{Math.Max(0, (int)age.TotalSeconds)}s"
            : age < TimeSpan.FromHours(1) ? $"{(int)age.TotalMinutes}m"
            : age < TimeSpan.FromDays(2) ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
        return text + " ago";
    }

    private static string Short(string id)
    {
        var hex = id.Replace("sha256:", string.Empty, StringComparison.Ordinal);
        return hex[..Math.Min(13, hex.Length)];
    }

    /// <summary>Sizes as crictl prints them: kB/MB/GB in powers of 1000.</summary>
    public static string Size(ulong bytes) =>
        bytes >= 1_000_000_000 ? (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "GB"
        : bytes >= 1_000_000 ? (bytes / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "MB"
        : (bytes / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "kB";
}
