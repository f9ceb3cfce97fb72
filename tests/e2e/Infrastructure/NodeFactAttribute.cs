namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>A scenario with real node agents (network namespaces, containerd, cgroups): skipped, with the reason shown, unless root with the packages installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (MultiNodeCluster.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
