namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// A histogram of CPU usage whose older samples weigh less, as the VerticalPodAutoscaler
/// recommender's: buckets grow exponentially (the first <see cref="FirstBucketSize"/> cores wide,
/// each next one <see cref="Ratio"/> times wider, up to <see cref="MaxValue"/> cores), and a
/// sample's weight doubles every <see cref="HalfLife"/> after a reference time, so a sample a
/// half-life old counts half as much as a new one. Weights are rescaled when the reference moves
/// so they never overflow. Fixed size: <see cref="BucketCount"/> doubles. Not thread-safe.
/// </summary>
internal sealed class DecayingHistogram
{
    public const double FirstBucketSize = 0.01;
    public const double Ratio = 1.05;
    public const double MaxValue = 1000;

    /// <summary>VPA's CPU histogram decay half-life.</summary>
    public static readonly TimeSpan HalfLife = TimeSpan.FromHours(24);

    /// <summary>How many buckets cover 0 to <see cref="MaxValue"/>.</summary>
    public static readonly int BucketCount = (int)Math.Ceiling(Math.Log((MaxValue * (Ratio - 1) / FirstBucketSize) + 1, Ratio)) + 1;

    // Past this many half-lives from the reference the weights are rescaled (2^64 stays far from double's range).
    private const double MaxExponent = 64;

    private readonly double[] _weights = new double[BucketCount];
    private DateTimeOffset? _reference;
    private double _total;

    public bool IsEmpty => _total <= 0;

    /// <summary>The lower bound of bucket <paramref name="index"/>.</summary>
    public static double BucketStart(int index) => index <= 0 ? 0 : FirstBucketSize * (Math.Pow(Ratio, index) - 1) / (Ratio - 1);

    /// <summary>The bucket holding <paramref name="value"/> (the last one for anything at or past <see cref="MaxValue"/>).</summary>
    public static int BucketOf(double value)
    {
        if (value < FirstBucketSize)
        {
            return 0;
        }

        var index = (int)Math.Floor(Math.Log((value * (Ratio - 1) / FirstBucketSize) + 1, Ratio));
        // Guards against the logarithm's rounding at a bucket's edge.
        while (index + 1 < BucketCount && BucketStart(index + 1) <= value)
        {
            index++;
        }

        while (index > 0 && BucketStart(index) > value)
        {
            index--;
        }

        return Math.Min(index, BucketCount - 1);
    }

    /// <summary>Adds <paramref name="value"/> (cores) seen at <paramref name="time"/> with weight 1 at that time.</summary>
    public void Add(double value, DateTimeOffset time)
    {
        _reference ??= time;
        var exponent = (time - _reference.Value) / HalfLife;
        if (exponent > MaxExponent)
        {
            Rescale(time);
            exponent = 0;
        }

        var weight = Math.Pow(2, exponent);
        _weights[BucketOf(Math.Max(0, value))] += weight;
        _total += weight;
    }

    /// <summary>
    /// The value under which <paramref name="fraction"/> of the weight lies: the end of the bucket
    /// where the running weight reaches it, as VPA's (so the answer errs up by at most a bucket's width).
    /// 0 when empty.
    /// </summary>
    public double Percentile(double fraction)
    {
        if (IsEmpty)
        {
            return 0;
        }

        var threshold = fraction * _total;
        var running = 0.0;
        for (var i = 0; i < BucketCount; i++)
        {
            running += _weights[i];
            if (running >= threshold && _weights[i] > 0)
            {
                return i + 1 < BucketCount ? BucketStart(i + 1) : MaxValue;
            }
        }

        return MaxValue;
    }

    private void Rescale(DateTimeOffset newReference)
    {
        var factor = Math.Pow(2, -((newReference - _reference!.Value) / HalfLife));
        _total = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            _weights[i] *= factor;
            _total += _weights[i];
        }

        _reference = newReference;
    }
}
