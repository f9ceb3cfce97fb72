namespace Timonel.Kubelet.Images;

/// <summary>One download the runtime has under way (a containerd ingest): its ref names the blob, e.g. layer-sha256:HEX.</summary>
public sealed record IngestStatus(string Ref, long Offset, long Total, DateTimeOffset UpdatedAt);

/// <summary>
/// The runtime's ongoing downloads, which is how a running pull's progress shows (CRI's PullImage
/// says nothing until it ends), and a way to drop one a stalled pull left behind.
/// </summary>
public interface IIngestStatuses
{
    Task<IReadOnlyList<IngestStatus>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Drops the ingest and its partial data; absent is fine.</summary>
    Task AbortAsync(string reference, CancellationToken cancellationToken);
}
