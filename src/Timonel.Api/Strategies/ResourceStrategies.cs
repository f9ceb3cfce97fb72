using Timonel.Api.Resources;

namespace Timonel.Api.Strategies;

/// <summary>Chooses the strategy of a resource.</summary>
public static class ResourceStrategies
{
    private static readonly IResourceStrategy Generic = new GenericStrategy();

    public static IResourceStrategy For(ApiResource resource) => Generic;
}
