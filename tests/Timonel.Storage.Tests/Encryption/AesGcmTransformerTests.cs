using System.Text;
using Timonel.Storage.Encryption;
using Xunit;

namespace Timonel.Storage.Tests.Encryption;

public sealed class AesGcmTransformerTests
{
    private const string Key = "/registry/secrets/default/s1";
    private static readonly byte[] Value = Encoding.UTF8.GetBytes("{\"kind\":\"Secret\"}");

    [Fact]
    public void ToStorage_FixedNonce_MatchesVectorFromAnotherImplementation()
    {
        // Python's cryptography AESGCM(key 0..31).encrypt(nonce 0..11, value, aad=the store key),
        // after the nonce: upstream's layout (nonce | ciphertext | tag, the key as additional data).
        var transformer = new AesGcmTransformer(TestKeys.Counting32, TestKeys.CountingNonce);

        var stored = transformer.ToStorage(Value, Key);

        Assert.Equal("000102030405060708090a0b3c20bd72ab81e021af12f2e8c38c0c4ffe5b12f43d4016e8ac46a44cff790fd3cf", Convert.ToHexStringLower(stored));
    }

    [Fact]
    public void FromStorage_VectorFromAnotherImplementation_ReturnsValue()
    {
        var stored = Convert.FromHexString("000102030405060708090a0b3c20bd72ab81e021af12f2e8c38c0c4ffe5b12f43d4016e8ac46a44cff790fd3cf");

        var value = new AesGcmTransformer(TestKeys.Counting32).FromStorage(stored, Key, out var stale);

        Assert.Equal(Value, value);
        Assert.False(stale);
    }

    [Fact]
    public void ToStorage_TwoWrites_UseDifferentNonces()
    {
        var transformer = new AesGcmTransformer(TestKeys.Counting32);

        Assert.NotEqual(transformer.ToStorage(Value, Key), transformer.ToStorage(Value, Key));
    }

    [Fact]
    public void FromStorage_WrongKey_Throws()
    {
        var stored = new AesGcmTransformer(TestKeys.Counting32).ToStorage(Value, Key);

        var e = Assert.Throws<ValueTransformException>(() => new AesGcmTransformer(TestKeys.Other32).FromStorage(stored, Key, out _));
        Assert.Equal("cipher: message authentication failed", e.Message);
    }

    [Fact]
    public void FromStorage_TamperedByte_Throws()
    {
        var transformer = new AesGcmTransformer(TestKeys.Counting32);
        var stored = transformer.ToStorage(Value, Key);
        Assert.Equal(Value, transformer.FromStorage(stored, Key, out _));
        stored[AesGcmTransformer.NonceSize + 2] ^= 1;

        Assert.Throws<ValueTransformException>(() => transformer.FromStorage(stored, Key, out _));
    }

    [Fact]
    public void FromStorage_ValueMovedUnderAnotherKey_Throws()
    {
        // The store key is authenticated: a ciphertext copied to another object's key is refused.
        var transformer = new AesGcmTransformer(TestKeys.Counting32);
        var stored = transformer.ToStorage(Value, Key);

        Assert.Throws<ValueTransformException>(() => transformer.FromStorage(stored, "/registry/secrets/default/s2", out _));
    }

    [Fact]
    public void FromStorage_TooShort_Throws()
    {
        var e = Assert.Throws<ValueTransformException>(() => new AesGcmTransformer(TestKeys.Counting32).FromStorage(new byte[10], Key, out _));
        Assert.Equal("the stored data was shorter than the required size", e.Message);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void ToStorage_EachKeySize_RoundTrips(int size)
    {
        var transformer = new AesGcmTransformer(new byte[size]);

        Assert.Equal(Value, transformer.FromStorage(transformer.ToStorage(Value, Key), Key, out _));
    }

    [Fact]
    public void Constructor_KeyOfWrongSize_Throws() =>
        Assert.Throws<ArgumentException>(() => new AesGcmTransformer(new byte[20]));
}
