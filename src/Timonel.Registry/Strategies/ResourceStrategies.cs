
using Timonel.Registry.Resources;

namespace Timonel.Registry.Strategies;

/// <summary>The strategy of a resource: its definition's (see <see cref="ResourceDefinition.Strategy"/>).</summary>
public static class ResourceStrategies
{
    public static IResourceStrategy For(ApiResource resource) => resource.Definition.Strategy;
}
