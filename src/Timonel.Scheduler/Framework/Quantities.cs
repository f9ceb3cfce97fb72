using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>Quantity arithmetic as upstream's resource.Quantity Value()/MilliValue() (rounded up).</summary>
public static class Quantities
{
    public static long Value(ResourceQuantity? q) => q is null ? 0 : Ceiling(q.ToDecimal());

    public static long MilliValue(ResourceQuantity? q) => q is null ? 0 : Ceiling(q.ToDecimal() * 1000m);

    /// <summary>
    /// Upstream's IsScalarResourceName: extended resources (a domain-qualified name outside
    /// kubernetes.io, e.g. example.com/gpu), hugepages-*, and attachable-volumes-*.
    /// </summary>
    public static bool IsScalarResourceName(string name) =>
        name.StartsWith("hugepages-", StringComparison.Ordinal)
        || name.StartsWith("attachable-volumes-", StringComparison.Ordinal)
        || IsExtendedResourceName(name);

    public static bool IsExtendedResourceName(string name)
    {
        if (name.StartsWith("requests.", StringComparison.Ordinal))
        {
            return false;
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }

        var domain = name[..slash];
        return !(domain == "kubernetes.io" || domain.EndsWith(".kubernetes.io", StringComparison.Ordinal));
    }

    private static long Ceiling(decimal d)
    {
        var c = decimal.Ceiling(d);
        return c >= long.MaxValue ? long.MaxValue : c <= long.MinValue ? long.MinValue : (long)c;
    }
}
