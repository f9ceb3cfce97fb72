namespace Timonel.Scheduler.Framework;

/// <summary>Which resource names the scheduler counts as scalar (extended) resources.</summary>
public static class ResourceNames
{
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
}
