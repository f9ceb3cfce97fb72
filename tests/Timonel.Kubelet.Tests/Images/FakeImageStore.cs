using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests.Images;

/// <summary>
/// A runtime's image store on a fake filesystem: the image filesystem's free space is its capacity
/// less <see cref="OtherBytes"/> less the images' sizes, so removing an image frees its size.
/// </summary>
internal sealed class FakeImageStore : IImageService, IFilesystemStats
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Image> _images = new(StringComparer.Ordinal);

    public long CapacityBytes { get; set; } = 1000;

    /// <summary>Bytes used on the image filesystem by other things than images.</summary>
    public long OtherBytes { get; set; }

    /// <summary>The node filesystem's free space; the whole capacity when null.</summary>
    public long? NodeAvailableBytes { get; set; }

    /// <summary>Image ids in the order they were removed.</summary>
    public List<string> Removed { get; } = [];

    public void Add(string tag, long size, bool runtimePinned = false)
    {
        lock (_lock)
        {
            _images["sha256:" + tag] = new Image { Id = "sha256:" + tag, RepoTags = { tag }, Size = (ulong)size, Pinned = runtimePinned };
        }
    }

    public Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Image>>([.. _images.Values.Select(i => i.Clone())]);
        }
    }

    public Task RemoveImageAsync(string imageId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_images.Remove(imageId))
            {
                Removed.Add(imageId["sha256:".Length..]);
            }

            return Task.CompletedTask;
        }
    }

    public Task<FsStats> ImageFsAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var used = OtherBytes + _images.Values.Sum(i => (long)i.Size);
            return Task.FromResult(new FsStats(CapacityBytes, CapacityBytes - used));
        }
    }

    public Task<FsStats> NodeFsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new FsStats(CapacityBytes, NodeAvailableBytes ?? CapacityBytes));
}
