using System.Text;

namespace Timonel.Storage.Encryption;

/// <summary>One provider of a resource's list: the prefix it writes and reads by, and its transformer.</summary>
/// <param name="Prefix">e.g. <c>k8s:enc:aescbc:v1:key1:</c>; empty for identity.</param>
/// <param name="Transformer">The provider's transformer, which sees the bytes after the prefix.</param>
public sealed record PrefixedProvider(string Prefix, IValueTransformer Transformer)
{
    internal byte[] PrefixBytes { get; } = Encoding.UTF8.GetBytes(Prefix);
}

/// <summary>
/// A resource's ordered provider list (upstream's prefix transformers): the first provider
/// writes, prefixing its output; a read goes to the first provider whose prefix the bytes carry.
/// Identity (empty prefix) reads whatever no other prefix claims; bytes no provider can read
/// throw "no matching prefix found". A provider that matches but fails does not end the search:
/// key names may hold ':' (k3s's timestamped names do), so one key's prefix can start another's.
/// </summary>
public sealed class PrefixTransformer : IValueTransformer
{
    private readonly PrefixedProvider[] _providers;

    public PrefixTransformer(IReadOnlyList<PrefixedProvider> providers)
    {
        if (providers.Count == 0)
        {
            throw new ArgumentException("at least one provider is required", nameof(providers));
        }

        _providers = [.. providers];
    }

    /// <summary>The providers, the write provider first.</summary>
    public IReadOnlyList<PrefixedProvider> Providers => _providers;

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key, out bool stale)
    {
        List<string>? errors = null;
        for (var i = 0; i < _providers.Length; i++)
        {
            var provider = _providers[i];
            if (!stored.StartsWith(provider.PrefixBytes))
            {
                continue;
            }

            try
            {
                var value = provider.Transformer.FromStorage(stored[provider.PrefixBytes.Length..], key, out var innerStale);
                stale = innerStale || i != 0;
                return value;
            }
            catch (ValueTransformException) when (provider.PrefixBytes.Length == 0)
            {
                // Identity matches everything: its refusal of encrypted bytes only means
                // "not mine", as upstream lets identity come first to decrypt nothing.
            }
            catch (ValueTransformException e)
            {
                (errors ??= []).Add(e.Message);
            }
        }

        stale = false;
        throw new ValueTransformException(errors is null ? "no matching prefix found" : $"failed to decrypt: {string.Join("; ", errors)}");
    }

    public byte[] ToStorage(ReadOnlySpan<byte> value, string key)
    {
        var writer = _providers[0];
        var body = writer.Transformer.ToStorage(value, key);
        if (writer.PrefixBytes.Length == 0)
        {
            return body;
        }

        var result = new byte[writer.PrefixBytes.Length + body.Length];
        writer.PrefixBytes.CopyTo(result, 0);
        body.CopyTo(result, writer.PrefixBytes.Length);
        return result;
    }
}
