using Timonel.Registry.Resources;
using Timonel.Storage.Encryption;

namespace Timonel.ApiServer.Encryption;

/// <summary>
/// Picks each store key's transformer from the current <see cref="EncryptionConfig"/>: the key's
/// resource is the catalog resource whose storage prefix is the longest one the key starts
/// with. Resources added later (custom resources under <c>*.*</c>) are covered from the next
/// catalog revision on; keys of no resource (allocation claims) are stored as given.
/// </summary>
public sealed class CatalogTransformerSelector : IValueTransformerSelector
{
    private readonly ResourceCatalog _catalog;
    private volatile PrefixMap _map;

    public CatalogTransformerSelector(ResourceCatalog catalog, EncryptionConfig config)
    {
        _catalog = catalog;
        _map = PrefixMap.Build(catalog, config);
    }

    /// <summary>The config in force; setting it takes effect for the next read or write.</summary>
    public EncryptionConfig Config
    {
        get => _map.Config;
        set => _map = PrefixMap.Build(_catalog, value);
    }

    public IValueTransformer? TransformerFor(string key)
    {
        var map = _map;
        if (map.Config.Rules.Count == 0)
        {
            return null;
        }

        if (map.CatalogRevision != _catalog.Revision)
        {
            map = PrefixMap.Build(_catalog, map.Config);
            _map = map;
        }

        // Longest storage prefix first: walk the key's '/' boundaries from its end.
        for (var slash = key.LastIndexOf('/'); slash > 0; slash = key.LastIndexOf('/', slash - 1))
        {
            if (map.ByPrefix.TryGetValue(key[..(slash + 1)], out var transformer))
            {
                return transformer;
            }
        }

        return null;
    }

    private sealed record PrefixMap(EncryptionConfig Config, long CatalogRevision, Dictionary<string, PrefixTransformer?> ByPrefix)
    {
        public static PrefixMap Build(ResourceCatalog catalog, EncryptionConfig config)
        {
            var revision = catalog.Revision;
            var byPrefix = new Dictionary<string, PrefixTransformer?>(StringComparer.Ordinal);
            foreach (var resource in catalog.Stored)
            {
                byPrefix.TryAdd(resource.KeyPrefix, config.TransformerFor(resource.Group, resource.Definition.Plural));
            }

            return new PrefixMap(config, revision, byPrefix);
        }
    }
}
