using Timonel.Api.Images;

namespace Timonel.Kubelet.Images;

/// <summary>
/// The images a node must never pull (CRI's pinned images): the pause image and every image
/// imported from DATA_DIR/agent/images — those named in the importer's record, re-read when it
/// changes, so that `timonel images import` on a running node counts at once. Under
/// imagePullPolicy Always a pinned image that is present runs as it is, as k3s treats its airgap
/// images; an unpinned one is pulled, and a failed pull fails the container (ErrImagePull), as
/// upstream. Thread-safe.
/// </summary>
public sealed class PinnedImages
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly string? _importRecord;
    private HashSet<string> _imported = new(StringComparer.Ordinal);
    private DateTime _importRecordWritten;

    /// <param name="importRecord">The importer's record file (see <see cref="ImageImporter"/>); null for none.</param>
    /// <param name="names">Images pinned whatever the record says (the pause image).</param>
    public PinnedImages(string? importRecord, params IEnumerable<string> names)
    {
        _importRecord = importRecord;
        foreach (var name in names)
        {
            _names.Add(ImageReference.Normalize(name));
        }
    }

    /// <summary>Whether the image (normalized as CRI does: "busybox:1.0" is docker.io/library/busybox:1.0) is pinned.</summary>
    public async Task<bool> ContainsAsync(string image, CancellationToken cancellationToken)
    {
        var normalized = ImageReference.Normalize(image);
        lock (_lock)
        {
            if (_names.Contains(normalized))
            {
                return true;
            }
        }

        if (_importRecord is null)
        {
            return false;
        }

        var written = File.Exists(_importRecord) ? File.GetLastWriteTimeUtc(_importRecord) : DateTime.MinValue;
        HashSet<string> imported;
        lock (_lock)
        {
            imported = _imported;
            if (written == _importRecordWritten)
            {
                return imported.Contains(normalized);
            }
        }

        var names = await ImageImporter.ImportedImagesAsync(_importRecord, cancellationToken).ConfigureAwait(false);
        imported = new HashSet<string>(names.Select(ImageReference.Normalize), StringComparer.Ordinal);
        lock (_lock)
        {
            _imported = imported;
            _importRecordWritten = written;
        }

        return imported.Contains(normalized);
    }
}
