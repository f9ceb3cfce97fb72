using Grpc.Core;
using Grpc.Net.Client;
using Timonel.Kubelet.Cri.Containerd;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Cri;

/// <summary>
/// <see cref="IIngestStatuses"/> from containerd's content service on the CRI socket, in the
/// namespace the CRI plugin keeps its images in (k8s.io): the layers a CRI pull is downloading.
/// </summary>
internal sealed class ContainerdIngests : IIngestStatuses
{
    /// <summary>containerd's CRI plugin keeps images, and so its pulls' downloads, in this namespace.</summary>
    public const string CriNamespace = "k8s.io";

    private static readonly Metadata NamespaceHeader = new() { { "containerd-namespace", CriNamespace } };
    private readonly Content.ContentClient _content;

    public ContainerdIngests(GrpcChannel channel)
    {
        _content = new Content.ContentClient(channel);
    }

    public async Task<IReadOnlyList<IngestStatus>> ListAsync(CancellationToken cancellationToken)
    {
        var response = await _content.ListStatusesAsync(new ListStatusesRequest(), NamespaceHeader, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. response.Statuses.Select(s => new IngestStatus(s.Ref, s.Offset, s.Total, s.UpdatedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue))];
    }

    public async Task AbortAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            await _content.AbortAsync(new AbortRequest { Ref = reference }, NamespaceHeader, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Already gone: committed, or aborted by the runtime itself.
        }
    }
}
