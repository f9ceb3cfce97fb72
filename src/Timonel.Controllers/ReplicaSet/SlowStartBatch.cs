using Timonel.Client.Controllers;
namespace Timonel.Controllers.ReplicaSet;

/// <summary>
/// Runs <c>count</c> calls in batches of 1, 2, 4, ... and stops at the first batch with a failure
/// (upstream's slowStartBatch), so a quota or a broken template costs one call, not hundreds.
/// </summary>
internal static class SlowStartBatch
{
    /// <summary>Returns how many calls succeeded and the first error (a <see cref="BatchFailure"/> carrying the batch's failure count), if any.</summary>
    public static async Task<(int Succeeded, Exception? Error)> RunAsync(int count, Func<Task<Exception?>> call, int initialBatchSize = 1)
    {
        var succeeded = 0;
        var remaining = count;
        for (var batch = Math.Min(remaining, initialBatchSize); batch > 0; batch = Math.Min(2 * batch, remaining))
        {
            var errors = (await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => call())).ConfigureAwait(false)).Where(e => e is not null).ToList();
            succeeded += batch - errors.Count;
            if (errors.Count > 0)
            {
                return (succeeded, new BatchFailure(errors[0]!, errors.Count));
            }

            remaining -= batch;
        }

        return (succeeded, null);
    }
}

/// <summary>The first error of a failed batch and how many calls of that batch failed.</summary>
internal sealed class BatchFailure(Exception first, int failed) : Exception(ApiErrors.MessageOf(first), first)
{
    public int Failed { get; } = failed;
}
