using System.Text;
using Timonel.Storage.Encryption;
using Xunit;

namespace Timonel.Storage.Tests.Encryption;

public sealed class PrefixTransformerTests
{
    private const string Key = "/registry/secrets/default/s1";
    private static readonly byte[] Value = Encoding.UTF8.GetBytes("{\"kind\":\"Secret\",\"data\":{\"p\":\"aHVudGVyMg==\"}}");

    [Fact]
    public void ToStorage_FirstProviderWrites_WithItsPrefix()
    {
        var chain = new PrefixTransformer([TestKeys.Cbc("k1", TestKeys.Counting32), TestKeys.Gcm("k2", TestKeys.Other32), TestKeys.Identity]);

        var stored = chain.ToStorage(Value, Key);

        Assert.StartsWith("k8s:enc:aescbc:v1:k1:", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("aHVudGVyMg", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.Equal(Value, chain.FromStorage(stored, Key, out var stale));
        Assert.False(stale);
    }

    [Fact]
    public void FromStorage_WrittenByLaterProvider_ReadsAndIsStale()
    {
        var old = new PrefixTransformer([TestKeys.Cbc("k1", TestKeys.Counting32)]);
        var rotated = new PrefixTransformer([TestKeys.Cbc("k2", TestKeys.Other32), TestKeys.Cbc("k1", TestKeys.Counting32)]);

        var value = rotated.FromStorage(old.ToStorage(Value, Key), Key, out var stale);

        Assert.Equal(Value, value);
        Assert.True(stale);
    }

    [Fact]
    public void FromStorage_Plaintext_ReadByIdentityAsStale()
    {
        var chain = new PrefixTransformer([TestKeys.Cbc("k1", TestKeys.Counting32), TestKeys.Identity]);

        Assert.Equal(Value, chain.FromStorage(Value, Key, out var stale));
        Assert.True(stale);
    }

    [Fact]
    public void FromStorage_PlaintextWithoutIdentity_NoMatchingPrefix()
    {
        var chain = new PrefixTransformer([TestKeys.Cbc("k1", TestKeys.Counting32)]);

        var e = Assert.Throws<ValueTransformException>(() => chain.FromStorage(Value, Key, out _));
        Assert.Equal("no matching prefix found", e.Message);
    }

    [Fact]
    public void FromStorage_KeyNoLongerConfigured_NoMatchingPrefixEvenWithIdentity()
    {
        // Identity must never hand out ciphertext as a value.
        var stored = new PrefixTransformer([TestKeys.Cbc("gone", TestKeys.Counting32)]).ToStorage(Value, Key);
        var chain = new PrefixTransformer([TestKeys.Cbc("k2", TestKeys.Other32), TestKeys.Identity]);

        var e = Assert.Throws<ValueTransformException>(() => chain.FromStorage(stored, Key, out _));
        Assert.Equal("no matching prefix found", e.Message);
    }

    [Fact]
    public void FromStorage_IdentityFirst_StillDecryptsByPrefix()
    {
        // Upstream's way out of encryption: identity first writes plaintext, the keys still read.
        var stored = new PrefixTransformer([TestKeys.Gcm("k1", TestKeys.Counting32)]).ToStorage(Value, Key);
        var chain = new PrefixTransformer([TestKeys.Identity, TestKeys.Gcm("k1", TestKeys.Counting32)]);

        Assert.Equal(Value, chain.FromStorage(stored, Key, out var stale));
        Assert.True(stale);
        Assert.Equal(Value, chain.ToStorage(Value, Key));
    }

    [Fact]
    public void FromStorage_SameNameOtherSecret_FailedToDecrypt()
    {
        var stored = new PrefixTransformer([TestKeys.Gcm("k1", TestKeys.Counting32)]).ToStorage(Value, Key);
        var chain = new PrefixTransformer([TestKeys.Gcm("k1", TestKeys.Other32)]);

        var e = Assert.Throws<ValueTransformException>(() => chain.FromStorage(stored, Key, out _));
        Assert.Equal("failed to decrypt: cipher: message authentication failed", e.Message);
    }

    [Fact]
    public void FromStorage_KeyNameStartsWithAnotherKeysName_FindsTheRightKey()
    {
        // "a" is a prefix of "a:2026-01-01T00:00:00Z" in the stored bytes: its failure must not end the search.
        var stored = new PrefixTransformer([TestKeys.Gcm("a:2026-01-01T00:00:00Z", TestKeys.Other32)]).ToStorage(Value, Key);
        var chain = new PrefixTransformer([TestKeys.Gcm("a", TestKeys.Counting32), TestKeys.Gcm("a:2026-01-01T00:00:00Z", TestKeys.Other32)]);

        Assert.Equal(Value, chain.FromStorage(stored, Key, out var stale));
        Assert.True(stale);
    }
}
