namespace Timonel.Client.WorkQueues;

/// <summary>Decides how long an item waits before it is retried.</summary>
public interface IRateLimiter<in TKey>
    where TKey : notnull
{
    /// <summary>The delay before this item may be processed again; each call counts as one more retry.</summary>
    TimeSpan When(TKey item);

    /// <summary>Stops tracking the item (it succeeded, or it is given up on).</summary>
    void Forget(TKey item);

    /// <summary>How many times the item has been rate-limited since it was last forgotten.</summary>
    int NumRequeues(TKey item);
}
