using System.Globalization;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// Writes the files of a content volume the way upstream's AtomicWriter does, so a container
/// never sees half of an update: the payload goes into a fresh timestamped directory
/// (<c>..2026_11_23_13_15_51.123456789</c>), the <c>..data</c> symlink is swapped to it with one
/// rename(2), and each top-level name is a symlink through <c>..data</c>. An unchanged payload
/// writes nothing.
/// </summary>
public static class AtomicWriter
{
    public const string DataLinkName = "..data";
    private const string NewDataLinkName = "..data_tmp";

    /// <summary>Makes <paramref name="targetDir"/> show exactly <paramref name="payload"/>; true when something changed.</summary>
    /// <param name="payload">Relative path (may hold '/') to file.</param>
    /// <exception cref="VolumeException">A path is absolute, empty, or climbs out with "..".</exception>
    public static bool Write(string targetDir, IReadOnlyDictionary<string, VolumeFile> payload, TimeProvider time)
    {
        foreach (var path in payload.Keys)
        {
            Validate(path);
        }

        Directory.CreateDirectory(targetDir);
        var dataLink = Path.Combine(targetDir, DataLinkName);
        var oldData = new FileInfo(dataLink).LinkTarget;
        if (oldData is not null && SameContent(Path.Combine(targetDir, oldData), payload))
        {
            return false;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var stamp = now.ToString("yyyy_MM_dd_HH_mm_ss", CultureInfo.InvariantCulture);
        var newData = $"..{stamp}.{Random.Shared.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture)}";
        var newDir = Path.Combine(targetDir, newData);
        Directory.CreateDirectory(newDir);
        VolumeSyscalls.SetMode(newDir, 0x1ED); // 0755: readable by any container user
        foreach (var (path, file) in payload)
        {
            var full = Path.Combine(newDir, path);
            var parent = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(parent))
            {
                Directory.CreateDirectory(parent);
                VolumeSyscalls.SetMode(parent, 0x1ED);
            }

            File.WriteAllBytes(full, file.Data);
            VolumeSyscalls.SetMode(full, file.Mode & 0x1FF);
        }

        var tmpLink = Path.Combine(targetDir, NewDataLinkName);
        if (new FileInfo(tmpLink).LinkTarget is not null || File.Exists(tmpLink))
        {
            File.Delete(tmpLink);
        }

        File.CreateSymbolicLink(tmpLink, newData);
        VolumeSyscalls.Rename(tmpLink, dataLink);

        var visible = payload.Keys.Select(TopLevel).ToHashSet(StringComparer.Ordinal);
        foreach (var name in visible)
        {
            var link = Path.Combine(targetDir, name);
            if (new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, Path.Combine(DataLinkName, name));
            }
        }

        foreach (var entry in new DirectoryInfo(targetDir).EnumerateFileSystemInfos())
        {
            if (!entry.Name.StartsWith("..", StringComparison.Ordinal) && !visible.Contains(entry.Name) && entry.LinkTarget is not null)
            {
                entry.Delete();
            }
        }

        if (oldData is not null && oldData != newData && Directory.Exists(Path.Combine(targetDir, oldData)))
        {
            Directory.Delete(Path.Combine(targetDir, oldData), recursive: true);
        }

        return true;
    }

    private static string TopLevel(string path) => path.Split('/', 2)[0];

    private static void Validate(string path)
    {
        if (string.IsNullOrEmpty(path) || path.StartsWith('/') || path.Split('/').Any(part => part is ".." or "") || path.StartsWith("..", StringComparison.Ordinal))
        {
            throw new VolumeException($"invalid path \"{path}\": must be relative, must not contain \"..\" and must not start with \"..\"");
        }
    }

    private static bool SameContent(string dataDir, IReadOnlyDictionary<string, VolumeFile> payload)
    {
        if (!Directory.Exists(dataDir))
        {
            return false;
        }

        var existing = Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories).ToList();
        if (existing.Count != payload.Count)
        {
            return false;
        }

        foreach (var (path, file) in payload)
        {
            var full = Path.Combine(dataDir, path);
            if (!File.Exists(full) || (VolumeSyscalls.GetMode(full) & 0x1FF) != (file.Mode & 0x1FF) || !File.ReadAllBytes(full).AsSpan().SequenceEqual(file.Data))
            {
                return false;
            }
        }

        return true;
    }
}
