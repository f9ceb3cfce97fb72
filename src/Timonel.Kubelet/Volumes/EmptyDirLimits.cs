using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The sizeLimit of disk emptyDirs, checked the way upstream's eviction manager does: the
/// directory's disk usage (as du counts it) over the limit evicts the pod. A Memory emptyDir needs
/// no check: its tmpfs is mounted with the limit as its size.
/// </summary>
public static class EmptyDirLimits
{
    /// <summary>
    /// Upstream's eviction message for the first disk emptyDir of <paramref name="pod"/> over its
    /// sizeLimit, or null when all fit. <paramref name="directoryOf"/> maps a volume to its directory.
    /// </summary>
    public static string? Violation(V1Pod pod, Func<V1Volume, string> directoryOf)
    {
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir is not { SizeLimit: { } limit } emptyDir || emptyDir.Medium == "Memory")
            {
                continue;
            }

            var bytes = limit.ToDecimal();
            if (bytes <= 0)
            {
                continue;
            }

            if (DiskUsage(directoryOf(volume)) > bytes)
            {
                // Upstream's text, trailing space included.
                return $"Usage of EmptyDir volume \"{volume.Name}\" exceeds the limit \"{limit}\". ";
            }
        }

        return null;
    }

    /// <summary>Bytes of disk the directory and everything below it take; symlinks are not followed.</summary>
    public static long DiskUsage(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return 0;
        }

        long total = VolumeSyscalls.AllocatedBytes(dir);
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(dir));
        while (pending.Count > 0)
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = pending.Pop().EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 }).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A directory removed while walking counts as empty.
                continue;
            }

            foreach (var entry in entries)
            {
                total += VolumeSyscalls.AllocatedBytes(entry.FullName);
                if (entry is DirectoryInfo sub && entry.LinkTarget is null)
                {
                    pending.Push(sub);
                }
            }
        }

        return total;
    }
}
