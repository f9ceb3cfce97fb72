namespace Timonel.Kubelet.Images;

/// <summary>Size and free space of one filesystem, in bytes.</summary>
public readonly record struct FsStats(long CapacityBytes, long AvailableBytes)
{
    /// <summary>Percent in use, as upstream computes it: 100 - available*100/capacity, in whole percent.</summary>
    public int UsagePercent => CapacityBytes <= 0 ? 0 : 100 - (int)(Math.Min(AvailableBytes, CapacityBytes) * 100 / CapacityBytes);
}

/// <summary>
/// The filesystems the kubelet watches: the image filesystem (where the runtime keeps image
/// content) and the node filesystem (the kubelet's root: pod volumes, logs).
/// </summary>
public interface IFilesystemStats
{
    Task<FsStats> ImageFsAsync(CancellationToken cancellationToken);

    Task<FsStats> NodeFsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IFilesystemStats"/> by statfs of two directories: containerd's root for the image
/// filesystem (what CRI's ImageFsInfo names as its mount point) and the data dir for the node's.
/// </summary>
public sealed class StatfsFilesystemStats(string imageFsPath, string nodeFsPath) : IFilesystemStats
{
    public Task<FsStats> ImageFsAsync(CancellationToken cancellationToken) => Task.FromResult(Read(imageFsPath));

    public Task<FsStats> NodeFsAsync(CancellationToken cancellationToken) => Task.FromResult(Read(nodeFsPath));

    private static FsStats Read(string path)
    {
        // The directory may not exist yet (containerd creates its root): the filesystem above it answers.
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        var drive = new DriveInfo(existing);
        return new FsStats(drive.TotalSize, drive.AvailableFreeSpace);
    }
}
