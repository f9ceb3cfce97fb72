using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>Upstream's Toleration.ToleratesTaint and helpers.</summary>
public static class Tolerations
{
    /// <summary>
    /// A toleration tolerates a taint when the effects match (an empty effect matches all), the keys
    /// match (an empty key with Exists matches all keys), and the operator holds (Exists, or
    /// Equal/empty with equal values).
    /// </summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (toleration.Key != taint.Key && !(string.IsNullOrEmpty(toleration.Key) && toleration.OperatorProperty == "Exists"))
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            "Equal" or "" or null => (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty),
            _ => false,
        };
    }

    public static bool AnyTolerates(IList<V1Toleration>? tolerations, V1Taint taint)
    {
        if (tolerations is null)
        {
            return false;
        }

        for (var i = 0; i < tolerations.Count; i++)
        {
            if (Tolerates(tolerations[i], taint))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first taint with one of <paramref name="effects"/> that no toleration tolerates, or null.</summary>
    public static V1Taint? FirstUntolerated(IReadOnlyList<V1Taint> taints, IList<V1Toleration>? tolerations, string effect1, string effect2)
    {
        for (var i = 0; i < taints.Count; i++)
        {
            var taint = taints[i];
            if ((taint.Effect == effect1 || taint.Effect == effect2) && !AnyTolerates(tolerations, taint))
            {
                return taint;
            }
        }

        return null;
    }
}
