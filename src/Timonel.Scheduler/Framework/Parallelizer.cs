namespace Timonel.Scheduler.Framework;

/// <summary>Runs a range of work in chunks over a few threads; small ranges run inline (thread hand-off costs more than they do).</summary>
public static class Parallelizer
{
    /// <summary>Below this many items the work runs on the calling thread.</summary>
    public const int InlineThreshold = 256;

    public static void For(int count, int parallelism, Action<int, int> range)
    {
        if (count <= 0)
        {
            return;
        }

        if (parallelism <= 1 || count < InlineThreshold)
        {
            range(0, count);
            return;
        }

        var chunks = Math.Min(parallelism * 4, (count + 63) / 64);
        var size = (count + chunks - 1) / chunks;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, c =>
        {
            var from = c * size;
            var to = Math.Min(count, from + size);
            if (from < to)
            {
                range(from, to);
            }
        });
    }
}
