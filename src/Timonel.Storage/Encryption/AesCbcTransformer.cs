using System.Security.Cryptography;

namespace Timonel.Storage.Encryption;

/// <summary>
/// Upstream's aescbc provider (without its prefix): a random 16-byte IV, then the AES-CBC
/// ciphertext of the value with PKCS#7 padding. CBC has no authentication: a wrong key is
/// caught by the key name in the prefix and, almost always, by the padding check.
/// </summary>
public sealed class AesCbcTransformer : IValueTransformer
{
    private const int BlockSize = 16;

    private readonly byte[] _key;
    private readonly Action<Span<byte>> _random;

    /// <param name="key">32 bytes (upstream accepts no other length for aescbc).</param>
    /// <param name="random">Fills IVs; the system's cryptographic generator unless a test fixes them.</param>
    public AesCbcTransformer(byte[] key, Action<Span<byte>>? random = null)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException($"aescbc key must be 32 bytes, got {key.Length}", nameof(key));
        }

        _key = key.ToArray();
        _random = random ?? RandomNumberGenerator.Fill;
    }

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key, out bool stale)
    {
        stale = false;
        if (stored.Length < BlockSize)
        {
            throw new ValueTransformException("the stored data was shorter than the required size");
        }

        var cipher = stored[BlockSize..];
        if (cipher.Length == 0 || cipher.Length % BlockSize != 0)
        {
            throw new ValueTransformException("the stored data is not a multiple of the block size");
        }

        // One Aes per call: an instance is not documented as safe to share between threads.
        using var aes = Aes.Create();
        aes.Key = _key;
        try
        {
            return aes.DecryptCbc(cipher, stored[..BlockSize], PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            throw new ValueTransformException("invalid PKCS7 data (empty or not padded)");
        }
    }

    public byte[] ToStorage(ReadOnlySpan<byte> value, string key)
    {
        var padded = (value.Length / BlockSize + 1) * BlockSize;
        var result = new byte[BlockSize + padded];
        var iv = result.AsSpan(0, BlockSize);
        _random(iv);
        using var aes = Aes.Create();
        aes.Key = _key;
        aes.EncryptCbc(value, iv, result.AsSpan(BlockSize), PaddingMode.PKCS7);
        return result;
    }
}
