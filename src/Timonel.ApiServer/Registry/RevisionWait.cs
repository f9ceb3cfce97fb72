using System.Globalization;
using Timonel.Api.Errors;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Waits, for a bounded time, until the store has reached a resourceVersion a client asked for,
/// as upstream's watch cache does before it serves a get or list "not older than" a revision
/// (waitUntilFreshAndBlock: 3 s, then 504 "Too large resource version" with retryAfterSeconds 1).
/// A revision the store already has costs one read of the current revision.
/// </summary>
internal sealed class RevisionWait(IStore store, TimeProvider time)
{
    /// <summary>How long a request waits for the store (upstream's blockTimeout).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);

    /// <summary>What the 504 tells the client to wait before it retries (upstream's resourceVersionTooHighRetrySeconds).</summary>
    public const int RetryAfterSeconds = 1;

    // The store has no "tell me when revision N exists" call; polling this often keeps the added
    // latency small next to the 3 s bound, and it only happens for revisions from the future.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Returns once the store's revision is at least the one <paramref name="resourceVersion"/> names;
    /// returns at once for null, "" and "0" (any revision will do). Throws ApiException 504 when the
    /// store has not got there within <see cref="MaxWait"/>.
    /// </summary>
    public async Task WaitUntilFreshAsync(string? resourceVersion, CancellationToken cancellationToken)
    {
        if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var wanted) || wanted == 0)
        {
            return;
        }

        var current = await store.GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        while (current < wanted)
        {
            if (time.GetElapsedTime(started) >= MaxWait)
            {
                throw ApiException.TooLargeResourceVersion(wanted, current, RetryAfterSeconds);
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            current = await store.GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
