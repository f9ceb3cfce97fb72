using System.Text;
using Timonel.Storage.Encryption;
using Xunit;

namespace Timonel.Storage.Tests.Encryption;

public sealed class AesCbcTransformerTests
{
    private const string Key = "/registry/secrets/default/s1";
    private static readonly byte[] Value = Encoding.UTF8.GetBytes("{\"kind\":\"Secret\"}");
    private const string Vector = "000102030405060708090a0b0c0d0e0f1e99f42a87db9ef8ab2a289efc82058d9b6df3c3b806157e27663d659124bb7a";

    [Fact]
    public void ToStorage_FixedIv_MatchesVectorFromAnotherImplementation()
    {
        // Python's cryptography AES-256-CBC (key 0..31, IV 0..15) with PKCS#7 padding, after the
        // IV: upstream's aescbc layout.
        var stored = new AesCbcTransformer(TestKeys.Counting32, TestKeys.CountingNonce).ToStorage(Value, Key);

        Assert.Equal(Vector, Convert.ToHexStringLower(stored));
    }

    [Fact]
    public void FromStorage_VectorFromAnotherImplementation_ReturnsValue()
    {
        var value = new AesCbcTransformer(TestKeys.Counting32).FromStorage(Convert.FromHexString(Vector), Key, out var stale);

        Assert.Equal(Value, value);
        Assert.False(stale);
    }

    [Fact]
    public void ToStorage_RoundTrips_AndIvsDiffer()
    {
        var transformer = new AesCbcTransformer(TestKeys.Counting32);
        var first = transformer.ToStorage(Value, Key);

        Assert.NotEqual(first, transformer.ToStorage(Value, Key));
        Assert.Equal(Value, transformer.FromStorage(first, Key, out _));
    }

    [Fact]
    public void FromStorage_WrongKey_Throws()
    {
        // CBC has no tag: the padding check is what catches a wrong key (fixed bytes here, so the
        // outcome is the same on every run).
        var stored = Convert.FromHexString(Vector);

        var e = Assert.Throws<ValueTransformException>(() => new AesCbcTransformer(TestKeys.Other32).FromStorage(stored, Key, out _));
        Assert.Equal("invalid PKCS7 data (empty or not padded)", e.Message);
    }

    [Fact]
    public void FromStorage_TamperedLastBlock_Throws()
    {
        var stored = Convert.FromHexString(Vector);
        stored[^1] ^= 0x5a;

        Assert.Throws<ValueTransformException>(() => new AesCbcTransformer(TestKeys.Counting32).FromStorage(stored, Key, out _));
    }

    [Fact]
    public void FromStorage_NotWholeBlocks_Throws()
    {
        var stored = Convert.FromHexString(Vector)[..^3];

        var e = Assert.Throws<ValueTransformException>(() => new AesCbcTransformer(TestKeys.Counting32).FromStorage(stored, Key, out _));
        Assert.Equal("the stored data is not a multiple of the block size", e.Message);
    }

    [Fact]
    public void Constructor_KeyOf16Bytes_Throws() =>
        Assert.Throws<ArgumentException>(() => new AesCbcTransformer(new byte[16]));
}
