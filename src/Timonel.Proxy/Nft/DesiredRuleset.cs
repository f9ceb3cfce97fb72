namespace Timonel.Proxy.Nft;

/// <summary>
/// The per-service part of Timonel's table as it should be: chains with their rules, affinity
/// sets, and the elements of the verdict maps. The base chains are fixed (see <see cref="BaseRuleset"/>).
/// </summary>
public sealed class DesiredRuleset
{
    public SortedDictionary<string, IReadOnlyList<string>> Chains { get; } = new(StringComparer.Ordinal);

    /// <summary>Set name → its declaration body, e.g. "type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ;".</summary>
    public SortedDictionary<string, string> Sets { get; } = new(StringComparer.Ordinal);

    /// <summary>Map name → element key → verdict, for the fixed verdict maps.</summary>
    public SortedDictionary<string, SortedDictionary<string, string>> MapElements { get; } = new(StringComparer.Ordinal)
    {
        [NftNames.ServiceIpsMap] = new(StringComparer.Ordinal),
        [NftNames.ServiceNodePortsMap] = new(StringComparer.Ordinal),
        [NftNames.NoEndpointServicesMap] = new(StringComparer.Ordinal),
        [NftNames.NoEndpointNodePortsMap] = new(StringComparer.Ordinal),
    };

    public void AddElement(string map, string key, string verdict) => MapElements[map][key] = verdict;
}
