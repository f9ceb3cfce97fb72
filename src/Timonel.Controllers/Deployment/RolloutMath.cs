using System.Globalization;
using k8s;
using k8s.Models;

namespace Timonel.Controllers.Deployment;

/// <summary>Upstream's deployment arithmetic: surge and unavailability fenceposts, replica sums, the new ReplicaSet's next size.</summary>
public static class RolloutMath
{
    /// <summary>An int-or-percent of <paramref name="total"/>: percentages round up for surge and down for unavailability.</summary>
    /// <exception cref="FormatException">The value is neither an integer nor "N%".</exception>
    public static int Scaled(IntOrString? value, int total, bool roundUp)
    {
        if (value is null)
        {
            return 0;
        }

        var text = KubernetesJson.Serialize(value).Trim('"');
        if (text.EndsWith('%'))
        {
            var percent = int.Parse(text[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture);
            var exact = (long)percent * total;
            return (int)(roundUp ? (exact + 99) / 100 : exact / 100);
        }

        return int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
    }

    /// <summary>(maxSurge, maxUnavailable) for <paramref name="desired"/> replicas; never both zero.</summary>
    public static (int Surge, int Unavailable) ResolveFenceposts(IntOrString? maxSurge, IntOrString? maxUnavailable, int desired)
    {
        var surge = Scaled(maxSurge, desired, roundUp: true);
        var unavailable = Scaled(maxUnavailable, desired, roundUp: false);
        return surge == 0 && unavailable == 0 ? (0, 1) : (surge, unavailable);
    }

    public static int Replicas(V1Deployment d) => d.Spec?.Replicas ?? 1;

    public static bool IsRollingUpdate(V1Deployment d) => d.Spec?.Strategy?.Type is null or "RollingUpdate";

    public static int MaxSurge(V1Deployment d)
    {
        if (!IsRollingUpdate(d))
        {
            return 0;
        }

        var rolling = d.Spec?.Strategy?.RollingUpdate;
        return ResolveFenceposts(rolling?.MaxSurge ?? "25%", rolling?.MaxUnavailable ?? "25%", Replicas(d)).Surge;
    }

    public static int MaxUnavailable(V1Deployment d)
    {
        var replicas = Replicas(d);
        if (!IsRollingUpdate(d) || replicas == 0)
        {
            return 0;
        }

        var rolling = d.Spec?.Strategy?.RollingUpdate;
        var unavailable = ResolveFenceposts(rolling?.MaxSurge ?? "25%", rolling?.MaxUnavailable ?? "25%", replicas).Unavailable;
        return Math.Min(unavailable, replicas);
    }

    public static int SpecReplicas(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Spec?.Replicas ?? 0);

    public static int StatusReplicas(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Status?.Replicas ?? 0);

    public static int ReadyReplicas(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Status?.ReadyReplicas ?? 0);

    public static int AvailableReplicas(IEnumerable<V1ReplicaSet?> sets) => sets.Sum(rs => rs?.Status?.AvailableReplicas ?? 0);

    /// <summary>The size the new ReplicaSet may grow to now (upstream's NewRSNewReplicas).</summary>
    public static int NewReplicaSetReplicas(V1Deployment d, IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet newRs)
    {
        if (!IsRollingUpdate(d))
        {
            return Replicas(d);
        }

        var current = newRs.Spec?.Replicas ?? 0;
        var maxTotal = Replicas(d) + MaxSurge(d);
        var total = SpecReplicas(all);
        if (total >= maxTotal)
        {
            return current;
        }

        return current + Math.Min(maxTotal - total, Replicas(d) - current);
    }
}
