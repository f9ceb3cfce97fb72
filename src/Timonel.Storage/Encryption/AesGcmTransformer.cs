using System.Security.Cryptography;
using System.Text;

namespace Timonel.Storage.Encryption;

/// <summary>
/// Upstream's aesgcm provider (without its prefix): a random 12-byte nonce, then the AES-GCM
/// ciphertext and its 16-byte tag, with the store key as additional authenticated data, so a
/// value copied under another key does not decrypt. Random nonces are why upstream asks for a
/// key rotation every 200,000 writes.
/// </summary>
public sealed class AesGcmTransformer : IValueTransformer
{
    /// <summary>Nonce length (Go's cipher.NewGCM standard nonce).</summary>
    public const int NonceSize = 12;

    /// <summary>Tag length.</summary>
    public const int TagSize = 16;

    private readonly byte[] _key;
    private readonly Action<Span<byte>> _random;

    /// <param name="key">16, 24 or 32 bytes.</param>
    /// <param name="random">Fills nonces; the system's cryptographic generator unless a test fixes them.</param>
    public AesGcmTransformer(byte[] key, Action<Span<byte>>? random = null)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException($"aesgcm key must be 16, 24 or 32 bytes, got {key.Length}", nameof(key));
        }

        _key = key.ToArray();
        _random = random ?? RandomNumberGenerator.Fill;
    }

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key, out bool stale)
    {
        stale = false;
        if (stored.Length < NonceSize + TagSize)
        {
            throw new ValueTransformException("the stored data was shorter than the required size");
        }

        var nonce = stored[..NonceSize];
        var cipher = stored[NonceSize..^TagSize];
        var tag = stored[^TagSize..];
        var plain = new byte[cipher.Length];
        using var gcm = new AesGcm(_key, TagSize);
        try
        {
            gcm.Decrypt(nonce, cipher, tag, plain, Encoding.UTF8.GetBytes(key));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new ValueTransformException("cipher: message authentication failed");
        }

        return plain;
    }

    public byte[] ToStorage(ReadOnlySpan<byte> value, string key)
    {
        var result = new byte[NonceSize + value.Length + TagSize];
        var nonce = result.AsSpan(0, NonceSize);
        _random(nonce);
        using var gcm = new AesGcm(_key, TagSize);
        gcm.Encrypt(nonce, value, result.AsSpan(NonceSize, value.Length), result.AsSpan(NonceSize + value.Length), Encoding.UTF8.GetBytes(key));
        return result;
    }
}
