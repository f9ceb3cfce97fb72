namespace Timonel.Storage.Encryption;

/// <summary>
/// The identity provider: stores values as given. It refuses to read bytes that carry the
/// encrypted-value prefix, so that a config listing identity first (to decrypt everything) never
/// hands ciphertext out as if it were an object.
/// </summary>
public sealed class IdentityTransformer : IValueTransformer
{
    /// <summary>The prefix every encrypting provider writes (upstream's k8s:enc:).</summary>
    public static ReadOnlySpan<byte> EncryptedPrefix => "k8s:enc:"u8;

    public static IdentityTransformer Instance { get; } = new();

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key, out bool stale)
    {
        stale = false;
        if (stored.StartsWith(EncryptedPrefix))
        {
            throw new ValueTransformException("identity transformer tried to read encrypted data");
        }

        return stored.ToArray();
    }

    public byte[] ToStorage(ReadOnlySpan<byte> value, string key) => value.ToArray();
}
