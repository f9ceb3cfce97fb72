using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Images;

/// <summary>
/// The runtime's image store as image garbage collection sees it (the list and remove half of
/// CRI's ImageService). <see cref="Cri.CriClient"/> implements it over gRPC; tests in memory.
/// </summary>
public interface IImageService
{
    /// <summary>Every image the runtime holds, with its id, tags, digests, size and whether the runtime pins it.</summary>
    Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken);

    /// <summary>Removes the image (by id: every tag of it goes); one already gone is no error.</summary>
    Task RemoveImageAsync(string imageId, CancellationToken cancellationToken);
}
