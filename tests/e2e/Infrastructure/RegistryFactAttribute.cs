namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>A test that needs a real node (<see cref="NodeFactAttribute"/>) and Debian's docker-registry and htpasswd.</summary>
public sealed class RegistryFactAttribute : FactAttribute
{
    public RegistryFactAttribute()
    {
        if ((MultiNodeCluster.SkipReason ?? LocalRegistry.SkipReason) is { } reason && Skip is null)
        {
            Skip = reason;
        }
    }
}
