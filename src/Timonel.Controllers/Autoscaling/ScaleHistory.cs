using k8s.Models;

namespace Timonel.Controllers.Autoscaling;

/// <summary>What the normalization settled on, and the reasons for the AbleToScale and ScalingLimited conditions.</summary>
public sealed record Normalized(int Replicas, string StabilizedReason, string StabilizedMessage, bool Stabilized, string LimitReason, string LimitMessage, bool Limited);

/// <summary>
/// The memory of one controller's autoscalers (upstream keeps it in the controller, not in the
/// object): the recent recommendations each autoscaler made, for the stabilization windows, and
/// the recent scale events, for behavior's rate policies. Lost on restart, as upstream's.
/// Normalization turns a metric-based proposal into the replica count to set.
/// </summary>
public sealed class ScaleHistory(HpaOptions options, TimeProvider time)
{
    private const int ScaleUpLimitMinimum = 4;
    private const double ScaleUpLimitFactor = 2.0;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<(int Replicas, DateTimeOffset At)>> _recommendations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ScaleEvent>> _scaleUps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ScaleEvent>> _scaleDowns = new(StringComparer.Ordinal);

    /// <summary>Seeds the history with the current size the first time an autoscaler is seen (so a restart does not scale down at once).</summary>
    public void RecordInitial(string key, int currentReplicas)
    {
        lock (_lock)
        {
            if (!_recommendations.ContainsKey(key))
            {
                _recommendations[key] = [(currentReplicas, time.GetUtcNow())];
            }
        }
    }

    /// <summary>Forgets a deleted autoscaler.</summary>
    public void Forget(string key)
    {
        lock (_lock)
        {
            _recommendations.Remove(key);
            _scaleUps.Remove(key);
            _scaleDowns.Remove(key);
        }
    }

    /// <summary>
    /// Without behavior (upstream's normalizeDesiredReplicas): the highest recommendation of the
    /// downscale window, then min/max and a scale-up of at most max(2 × current, 4).
    /// </summary>
    public Normalized Normalize(string key, int current, int desired, int minReplicas, int maxReplicas)
    {
        var stabilized = StabilizeDown(key, desired);
        var (replicas, reason, message) = LimitByRules(current, stabilized, minReplicas, maxReplicas);
        return new Normalized(
            replicas,
            stabilized != desired ? "ScaleDownStabilized" : "ReadyForNewScale",
            stabilized != desired ? "recent recommendations were higher than current one, applying the highest recent recommendation" : "recommended size matches current size",
            stabilized != desired,
            reason,
            message,
            replicas != stabilized);
    }

    /// <summary>
    /// With behavior (upstream's normalizeDesiredReplicasWithBehaviors): the recommendation held
    /// between the lowest of the scale-up window and the highest of the scale-down window, then
    /// limited by the rate policies over the recent scale events and by min/max.
    /// </summary>
    public Normalized NormalizeWithBehavior(string key, int current, int desired, int minReplicas, int maxReplicas, V2HPAScalingRules scaleUp, V2HPAScalingRules scaleDown)
    {
        var stabilized = StabilizeWithWindows(key, current, desired, scaleUp.StabilizationWindowSeconds ?? 0, scaleDown.StabilizationWindowSeconds ?? 0);
        var (replicas, reason, message) = LimitByBehavior(key, current, stabilized, minReplicas, maxReplicas, scaleUp, scaleDown);
        return new Normalized(
            replicas,
            stabilized != desired ? "ScaleDownStabilized" : "ReadyForNewScale",
            stabilized != desired ? "recent recommendations were higher than current one, applying the highest recent recommendation" : "recommended size matches current size",
            stabilized != desired,
            reason,
            message,
            replicas != stabilized);
    }

    /// <summary>Records a rescale for the rate policies (only autoscalers with behavior keep them, as upstream).</summary>
    public void RecordScale(string key, V2HorizontalPodAutoscalerBehavior? behavior, V2HPAScalingRules scaleUp, V2HPAScalingRules scaleDown, int previous, int next)
    {
        if (behavior is null || previous == next)
        {
            return;
        }

        lock (_lock)
        {
            var up = next > previous;
            var events = GetList(up ? _scaleUps : _scaleDowns, key);
            var rules = up ? scaleUp : scaleDown;
            var cutoff = time.GetUtcNow() - TimeSpan.FromSeconds(LongestPeriod(rules));
            var change = Math.Abs(next - previous);
            // Reuse one slot that fell out of every policy's period, as upstream, so the list stays short.
            var outdated = events.FindLastIndex(e => e.At < cutoff);
            var entry = new ScaleEvent(change, time.GetUtcNow());
            if (outdated >= 0)
            {
                events[outdated] = entry;
            }
            else
            {
                events.Add(entry);
            }
        }
    }

    private int StabilizeDown(string key, int desired)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var cutoff = now - options.DownscaleStabilizationWindow;
            var list = GetList(_recommendations, key);
            var highest = desired;
            var old = -1;
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].At < cutoff)
                {
                    old = i;
                }
                else
                {
                    highest = Math.Max(highest, list[i].Replicas);
                }
            }

            Remember(list, old, desired, now);
            return highest;
        }
    }

    private int StabilizeWithWindows(string key, int current, int desired, int upWindowSeconds, int downWindowSeconds)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var upCutoff = now - TimeSpan.FromSeconds(upWindowSeconds);
            var downCutoff = now - TimeSpan.FromSeconds(downWindowSeconds);
            var obsolete = now - TimeSpan.FromSeconds(Math.Max(upWindowSeconds, downWindowSeconds));
            var list = GetList(_recommendations, key);
            int up = desired, down = desired, old = -1;
            for (var i = 0; i < list.Count; i++)
            {
                var (replicas, at) = list[i];
                if (at > upCutoff)
                {
                    up = Math.Min(up, replicas);
                }

                if (at > downCutoff)
                {
                    down = Math.Max(down, replicas);
                }

                if (at < obsolete)
                {
                    old = i;
                }
            }

            Remember(list, old, desired, now);
            return Math.Min(Math.Max(current, up), down);
        }
    }

    private static void Remember(List<(int Replicas, DateTimeOffset At)> list, int oldIndex, int desired, DateTimeOffset now)
    {
        if (oldIndex >= 0)
        {
            list[oldIndex] = (desired, now);
        }
        else
        {
            list.Add((desired, now));
        }
    }

    private static (int Replicas, string Reason, string Message) LimitByRules(int current, int desired, int minReplicas, int maxReplicas)
    {
        var scaleUpLimit = (int)Math.Max(ScaleUpLimitFactor * current, ScaleUpLimitMinimum);
        var (maximum, reason, message) = maxReplicas > scaleUpLimit
            ? (scaleUpLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
            : (maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
        if (desired < minReplicas)
        {
            return (minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }

        return desired > maximum ? (maximum, reason, message) : (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    private (int Replicas, string Reason, string Message) LimitByBehavior(string key, int current, int desired, int minReplicas, int maxReplicas, V2HPAScalingRules scaleUp, V2HPAScalingRules scaleDown)
    {
        if (desired == current)
        {
            return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
        }

        var (direction, rules, bound) = desired > current ? (ScaleDirection.Up, scaleUp, maxReplicas) : (ScaleDirection.Down, scaleDown, minReplicas);
        lock (_lock)
        {
            // A rate limit behind the current size means recent changes spent the allowance: hold, never move the other way.
            var limit = direction.Furthest(RateLimit(direction, current, GetList(_scaleUps, key), GetList(_scaleDowns, key), rules), current);
            var (edge, reason, message) = direction.Beyond(bound, limit)
                ? (limit, direction.RateReason, direction.RateMessage)
                : (bound, direction.BoundReason, direction.BoundMessage);
            return direction.Beyond(desired, edge)
                ? (edge, reason, message)
                : (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
        }
    }

    /// <summary>
    /// How far the rate policies let the count move in <paramref name="direction"/>: each policy
    /// allows a change from the size at the start of its period; "Max" takes the most generous
    /// policy (the furthest), "Min" the strictest, "Disabled" none.
    /// </summary>
    private int RateLimit(ScaleDirection direction, int current, List<ScaleEvent> ups, List<ScaleEvent> downs, V2HPAScalingRules rules)
    {
        if (rules.SelectPolicy == HpaBehaviors.Disabled)
        {
            return current;
        }

        var strictest = rules.SelectPolicy == HpaBehaviors.Min;
        // Seeded so that no policy at all holds the count under "Max" and leaves it unlimited under "Min".
        var result = strictest ? direction.Unlimited : direction.Held;
        foreach (var policy in rules.Policies ?? [])
        {
            var start = current - ChangeWithin(policy.PeriodSeconds, ups) + ChangeWithin(policy.PeriodSeconds, downs);
            var proposed = policy.Type == "Pods" ? start + (direction.Sign * policy.Value) : direction.ByPercent(start, policy.Value);
            result = strictest ? direction.Nearest(result, proposed) : direction.Furthest(result, proposed);
        }

        return result;
    }

    private int ChangeWithin(int periodSeconds, List<ScaleEvent> events)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromSeconds(periodSeconds);
        return events.Where(e => e.At > cutoff).Sum(e => e.Change);
    }

    private static int LongestPeriod(V2HPAScalingRules rules) => rules.Policies is { Count: > 0 } policies ? policies.Max(p => p.PeriodSeconds) : 0;

    private static List<T> GetList<T>(Dictionary<string, List<T>> lists, string key)
    {
        if (!lists.TryGetValue(key, out var list))
        {
            list = [];
            lists[key] = list;
        }

        return list;
    }

    private sealed record ScaleEvent(int Change, DateTimeOffset At);

    /// <summary>Which way a rescale goes: what counts as further that way, and the words its conditions use.</summary>
    private sealed record ScaleDirection(int Sign, int Unlimited, int Held, string RateReason, string RateMessage, string BoundReason, string BoundMessage)
    {
        public static readonly ScaleDirection Up = new(
            1, int.MaxValue, int.MinValue,
            "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate",
            "TooManyReplicas", "the desired replica count is more than the maximum replica count");

        public static readonly ScaleDirection Down = new(
            -1, int.MinValue, int.MaxValue,
            "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate",
            "TooFewReplicas", "the desired replica count is less than the minimum replica count");

        /// <summary>True when <paramref name="a"/> lies further this way than <paramref name="b"/>.</summary>
        public bool Beyond(int a, int b) => Sign > 0 ? a > b : a < b;

        public int Furthest(int a, int b) => Beyond(a, b) ? a : b;

        public int Nearest(int a, int b) => Beyond(a, b) ? b : a;

        /// <summary>A Percent policy's size from <paramref name="start"/>, rounded as upstream: up to the next whole pod when growing, truncated when shrinking.</summary>
        public int ByPercent(int start, int percent) => Sign > 0
            ? (int)Math.Ceiling(start * (1 + (percent / 100.0)))
            : (int)(start * (1 - (percent / 100.0)));
    }
}
