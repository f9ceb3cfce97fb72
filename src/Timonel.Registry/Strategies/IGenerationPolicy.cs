using System.Text.Json.Nodes;

namespace Timonel.Registry.Strategies;

/// <summary>
/// For strategies whose metadata.generation does not follow spec (custom resources: any change
/// outside metadata, and outside status when /status is its own subresource, bumps it). The
/// writer asks this instead of comparing spec when a strategy implements it.
/// </summary>
public interface IGenerationPolicy
{
    /// <summary>True when objects carry metadata.generation (1 on create).</summary>
    bool TracksGeneration { get; }

    /// <summary>Whether the update from <paramref name="old"/> to <paramref name="obj"/> is a new generation.</summary>
    bool IsNewGeneration(JsonObject obj, JsonObject old);
}
