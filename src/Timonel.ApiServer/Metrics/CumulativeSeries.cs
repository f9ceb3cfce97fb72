namespace Timonel.ApiServer.Metrics;

/// <summary>
/// The last cumulative sample of a node or container and the usage computed from it and the one
/// before, as metrics-server's storage keeps them: CPU usage is the difference of two cumulative
/// samples over the time between them (that interval is the window; the newer sample's time is
/// the timestamp), so a series reports nothing until its second sample.
/// </summary>
internal sealed record CumulativeSeries(CumulativeSample Last, UsagePoint? Point)
{
    /// <summary>The series after <paramref name="sample"/> arrives (a new series when <paramref name="series"/> is null).</summary>
    public static CumulativeSeries Advance(CumulativeSeries? series, CumulativeSample sample)
    {
        if (series is null)
        {
            return new CumulativeSeries(sample, null);
        }

        var last = series.Last;
        if (sample.Timestamp == last.Timestamp)
        {
            // The kubelet served the same reading again: nothing new to compute from.
            return series;
        }

        if (sample.Timestamp < last.Timestamp || sample.CpuSeconds < last.CpuSeconds)
        {
            // Time went back or the counter was reset (a restarted container): start over.
            return new CumulativeSeries(sample, null);
        }

        var window = sample.Timestamp - last.Timestamp;
        var cores = (sample.CpuSeconds - last.CpuSeconds) / (decimal)window.TotalSeconds;
        return new CumulativeSeries(sample, new UsagePoint(cores, sample.MemoryBytes, sample.Timestamp, window));
    }
}
