using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Read, mutate, compare-and-swap, and on a lost race read again and redo (upstream's
/// storage.GuaranteedUpdate). The mutation runs on the freshest object each time, so a change
/// computed from the current state (a patch, a scale, a binding, a budget's decrement) is never
/// applied to a stale one. Only a lost race is retried, at most <see cref="MaxAttempts"/>
/// times; every other error, and a conflict the mutation itself raises (a pinned
/// resourceVersion or UID that no longer matches), goes to the caller unchanged.
/// </summary>
internal sealed class GuaranteedUpdater(ObjectStore objects, ObjectWriter writer)
{
    /// <summary>How many times a write that keeps losing races is tried before its 409 goes to the client.</summary>
    public const int MaxAttempts = 11;

    /// <summary>
    /// Writes what <paramref name="tryUpdate"/> returns straight to the store (no strategy,
    /// validation or admission: the caller's mutation is the whole rule, as for a pod's
    /// binding). <paramref name="tryUpdate"/> gets a fresh decode it may change in place, and
    /// returns the object to write, or null to leave the stored one as it is.
    /// </summary>
    public Task<StoredObject> GuaranteedUpdateAsync(ApiResource resource, string? ns, string name, Func<StoredObject, JsonObject?> tryUpdate, CancellationToken cancellationToken) =>
        RunAsync(resource, ns, name, Synchronous(tryUpdate), (obj, current, ct) => objects.UpdateAsync(resource, obj, current.ModRevision, ct), cancellationToken);

    /// <summary>
    /// As above, but the update goes through <see cref="ObjectWriter.UpdateAsync"/> (strategy,
    /// validation, admission) as an update of <paramref name="subresource"/> (null for the object).
    /// </summary>
    public Task<StoredObject> GuaranteedUpdateAsync(ApiResource resource, string? ns, string name, Func<StoredObject, JsonObject?> tryUpdate, string? subresource, WriteOptions options, CancellationToken cancellationToken) =>
        GuaranteedUpdateAsync(resource, ns, name, Synchronous(tryUpdate), subresource, options, cancellationToken);

    /// <summary>As above, with a mutation that awaits (one that reads the object through a conversion webhook).</summary>
    public Task<StoredObject> GuaranteedUpdateAsync(ApiResource resource, string? ns, string name, Func<StoredObject, CancellationToken, Task<JsonObject?>> tryUpdate, string? subresource, WriteOptions options, CancellationToken cancellationToken) =>
        RunAsync(resource, ns, name, tryUpdate, (obj, current, ct) => writer.UpdateAsync(resource, obj, current, subresource, options, ct), cancellationToken);

    private static Func<StoredObject, CancellationToken, Task<JsonObject?>> Synchronous(Func<StoredObject, JsonObject?> tryUpdate) =>
        (current, _) => Task.FromResult(tryUpdate(current));

    private async Task<StoredObject> RunAsync(
        ApiResource resource,
        string? ns,
        string name,
        Func<StoredObject, CancellationToken, Task<JsonObject?>> tryUpdate,
        Func<JsonObject, StoredObject, CancellationToken, Task<StoredObject>> write,
        CancellationToken cancellationToken)
    {
        var current = await objects.GetRequiredAsync(resource, ns, name, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            if (await tryUpdate(current, cancellationToken).ConfigureAwait(false) is not { } updated)
            {
                return current;
            }

            try
            {
                return await write(updated, current, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Reason == "Conflict" && attempt < MaxAttempts)
            {
                var latest = await objects.GetRequiredAsync(resource, ns, name, cancellationToken).ConfigureAwait(false);
                if (latest.ModRevision == current.ModRevision)
                {
                    // Nobody else wrote: the conflict is the update's own precondition failing,
                    // which no retry can fix.
                    throw;
                }

                current = latest;
            }
        }
    }
}
