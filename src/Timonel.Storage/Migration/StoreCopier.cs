namespace Timonel.Storage.Migration;

/// <summary>What a copy did.</summary>
/// <param name="Copied">Keys written to the target.</param>
/// <param name="SourceRevision">The source revision the copy was read at.</param>
public sealed record CopyResult(long Copied, long SourceRevision);

/// <summary>
/// Copies the live keys of one store into another (values only: revisions start anew in the
/// target, as when k3s moves a cluster between datastores). The source is read page by page at
/// one revision, so the copy is a consistent picture even if the source is written meanwhile.
/// </summary>
public static class StoreCopier
{
    /// <summary>The key prefix Kubernetes objects live under; a target with keys here is "not empty".</summary>
    public const string RegistryPrefix = "/registry/";

    private const int PageSize = 500;

    /// <summary>
    /// Copies every key of <paramref name="source"/> into <paramref name="target"/>. Throws
    /// <see cref="InvalidOperationException"/> when the target already holds keys under
    /// <see cref="RegistryPrefix"/> and <paramref name="force"/> is false; with it, existing
    /// keys are overwritten (keys only in the target are left as they are).
    /// </summary>
    public static async Task<CopyResult> CopyAsync(IStore source, IStore target, bool force, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var existing = await target.RangeAsync(new RangeRequest(RegistryPrefix, CountOnly: true), cancellationToken).ConfigureAwait(false);
        if (existing.Count > 0 && !force)
        {
            throw new InvalidOperationException($"the target datastore already holds {existing.Count} keys under {RegistryPrefix}; refusing to overwrite it (use --force to copy over them)");
        }

        long copied = 0;
        long revision = 0;
        string? after = null;
        while (true)
        {
            var page = await source.RangeAsync(new RangeRequest(string.Empty, after, PageSize, revision), cancellationToken).ConfigureAwait(false);
            revision = page.Revision;
            foreach (var kv in page.Items)
            {
                await PutAsync(target, kv, cancellationToken).ConfigureAwait(false);
                copied++;
            }

            if (!page.More || page.Items.Count == 0)
            {
                return new CopyResult(copied, revision);
            }

            after = page.Items[^1].Key;
        }
    }

    private static async Task PutAsync(IStore target, KeyValue kv, CancellationToken cancellationToken)
    {
        var created = await target.CreateAsync(kv.Key, kv.Value, cancellationToken).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            var updated = await target.UpdateAsync(kv.Key, kv.Value, 0, cancellationToken).ConfigureAwait(false);
            if (!updated.Succeeded)
            {
                throw new InvalidOperationException($"could not write {kv.Key} to the target datastore");
            }
        }
    }
}
