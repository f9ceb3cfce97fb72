using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>One backendRef of a rule: its resolved Service (or why it is invalid) and its weight.</summary>
public sealed record WeightedBackend(Backend Backend, int Weight, bool Invalid);

/// <summary>
/// The backendRefs of one HTTPRoute rule. A request picks one with probability weight / total;
/// an invalid one (missing Service, refused reference) keeps its share and that share is answered
/// 500, as upstream says; weights all 0, or no backendRefs, answer 500 too.
/// </summary>
public sealed class WeightedBackends(IReadOnlyList<WeightedBackend> backends)
{
    public IReadOnlyList<WeightedBackend> Backends { get; } = backends;

    public int TotalWeight { get; } = backends.Sum(b => Math.Max(0, b.Weight));

    /// <summary>The backend whose cumulative weight range holds <paramref name="roll"/> (0 ≤ roll &lt; <see cref="TotalWeight"/>); null when the total is 0.</summary>
    public WeightedBackend? Pick(int roll)
    {
        if (TotalWeight == 0)
        {
            return null;
        }

        roll = Math.Clamp(roll, 0, TotalWeight - 1);
        foreach (var backend in Backends)
        {
            if (backend.Weight <= 0)
            {
                continue;
            }

            if (roll < backend.Weight)
            {
                return backend;
            }

            roll -= backend.Weight;
        }

        return null;
    }
}
