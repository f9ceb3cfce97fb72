namespace Timonel.Scheduler.Framework;

/// <summary>Upstream's helper.DefaultNormalizeScore.</summary>
public static class ScoreNormalization
{
    /// <summary>
    /// Scales scores to 0..100 by the highest one; with <paramref name="reverse"/>, higher raw
    /// scores become lower. All zeros stay zero (or all 100 when reversed).
    /// </summary>
    public static void Default(Span<long> scores, bool reverse)
    {
        long max = 0;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        if (max == 0)
        {
            if (reverse)
            {
                scores.Fill(IScorePlugin.MaxNodeScore);
            }

            return;
        }

        for (var i = 0; i < scores.Length; i++)
        {
            var s = IScorePlugin.MaxNodeScore * scores[i] / max;
            scores[i] = reverse ? IScorePlugin.MaxNodeScore - s : s;
        }
    }
}
