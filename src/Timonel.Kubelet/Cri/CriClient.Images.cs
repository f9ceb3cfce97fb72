using Grpc.Core;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Cri;

/// <summary><see cref="IImageService"/> over CRI's ImageService.</summary>
public sealed partial class CriClient : IImageService
{
    public async Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken) =>
        (await Images.ListImagesAsync(new ListImagesRequest(), cancellationToken: cancellationToken).ConfigureAwait(false)).Images;

    public async Task RemoveImageAsync(string imageId, CancellationToken cancellationToken)
    {
        try
        {
            await Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = imageId } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }
}
