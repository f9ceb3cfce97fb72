using Timonel.Storage.Encryption;

namespace Timonel.Storage.Tests.Encryption;

/// <summary>Fixed keys and nonces, so vectors made by another implementation can be compared byte for byte.</summary>
internal static class TestKeys
{
    /// <summary>Bytes 0, 1, ..., 31.</summary>
    public static byte[] Counting32 => [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    /// <summary>Bytes 100, 101, ..., 131.</summary>
    public static byte[] Other32 => [.. Enumerable.Range(100, 32).Select(i => (byte)i)];

    /// <summary>Fills nonces and IVs with 0, 1, 2, ...</summary>
    public static void CountingNonce(Span<byte> nonce)
    {
        for (var i = 0; i < nonce.Length; i++)
        {
            nonce[i] = (byte)i;
        }
    }

    public static PrefixedProvider Cbc(string name, byte[] key) => new($"k8s:enc:aescbc:v1:{name}:", new AesCbcTransformer(key));

    public static PrefixedProvider Gcm(string name, byte[] key) => new($"k8s:enc:aesgcm:v1:{name}:", new AesGcmTransformer(key));

    public static PrefixedProvider Identity => new("", IdentityTransformer.Instance);
}
