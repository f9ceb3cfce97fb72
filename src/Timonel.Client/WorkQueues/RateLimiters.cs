namespace Timonel.Client.WorkQueues;

/// <summary>Ready-made limiters.</summary>
public static class RateLimiters
{
    /// <summary>
    /// client-go's DefaultControllerRateLimiter: per-item backoff from 5 ms doubling to 1000 s,
    /// and an overall bucket of 10 qps with a burst of 100; an item waits for the longer of the two.
    /// </summary>
    public static IRateLimiter<TKey> DefaultController<TKey>(TimeProvider? time = null)
        where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ItemExponentialFailureRateLimiter<TKey>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<TKey>(10, 100, time));
}
