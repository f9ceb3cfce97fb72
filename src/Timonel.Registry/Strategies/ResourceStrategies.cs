
using Timonel.Registry.Resources;

namespace Timonel.Registry.Strategies;

/// <summary>The strategy of a resource: its version's own (a custom resource version's) or its definition's (see <see cref="ResourceDefinition.Strategy"/>).</summary>
public static class ResourceStrategies
{
    public static IResourceStrategy For(ApiResource resource) => resource.Strategy;
}
