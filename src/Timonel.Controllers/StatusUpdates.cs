using Timonel.Client.Controllers;

namespace Timonel.Controllers;

/// <summary>
/// Writes a status as upstream's DaemonSet and StatefulSet controllers do: an update of the
/// status subresource (their roles may update */status, not patch it) over a copy of the cached
/// object; on a conflict once more over the stored object. An object deleted meanwhile needs no status.
/// </summary>
internal static class StatusUpdates
{
    public static async Task ReplaceAsync<T>(
        T cached,
        Action<T> setStatus,
        Func<CancellationToken, Task<T>> readStored,
        Func<T, CancellationToken, Task> replaceStatus,
        CancellationToken cancellationToken)
    {
        var copy = ObjectCopy.DeepCopy(cached);
        setStatus(copy);
        try
        {
            try
            {
                await replaceStatus(copy, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && ApiErrors.IsConflict(e))
            {
                var stored = await readStored(cancellationToken).ConfigureAwait(false);
                setStatus(stored);
                await replaceStatus(stored, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && ApiErrors.IsNotFound(e))
        {
        }
    }
}
