using System.Security.Cryptography;
using System.Text;
using Timonel.Api.Images;
using Xunit;

namespace Timonel.Api.Tests.Images;

public sealed class SigstoreSignatureTests : IDisposable
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Repository = "127.0.0.1:5443/e2e/signed";

    private readonly ECDsa _signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The payload as skopeo 1.9 (containers/image) writes it: critical + optional, compact JSON.</summary>
    public static byte[] Payload(string digest, string reference) => Encoding.UTF8.GetBytes(
        $$$"""{"critical":{"identity":{"docker-reference":"{{{reference}}}"},"image":{"docker-manifest-digest":"{{{digest}}}"},"type":"cosign container image signature"},"optional":{"creator":"containers/image","timestamp":1733500000}}""");

    [Fact]
    public void Verify_GoodSignature_NamesTheKey()
    {
        var payload = Payload(Digest, Repository + ":1");

        var check = SigstoreSignature.Verify(payload, Sign(_signer, payload), [Key("release", _signer), Key("other", _other)], Digest, Repository);

        Assert.True(check.Valid, check.Problem);
        Assert.Equal("release", check.KeyName);
    }

    [Fact]
    public void Verify_RsaKey_Verifies()
    {
        using var rsa = RSA.Create(2048);
        var payload = Payload(Digest, Repository + ":1");
        var signature = Convert.ToBase64String(rsa.SignData(payload, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        using var publicOnly = SigstoreSignature.ImportPublicKey(rsa.ExportSubjectPublicKeyInfo());

        Assert.True(SigstoreSignature.Verify(payload, signature, [new ImagePolicyKey("rsa", "rsa.pub", publicOnly)], Digest, Repository).Valid);
    }

    [Fact]
    public void Verify_WrongKey_Refused()
    {
        var payload = Payload(Digest, Repository + ":1");

        var check = SigstoreSignature.Verify(payload, Sign(_other, payload), [Key("release", _signer)], Digest, Repository);

        Assert.False(check.Valid);
        Assert.Equal("no configured key verifies the signature", check.Problem);
    }

    [Fact]
    public void Verify_PayloadNamesAnotherDigest_Refused()
    {
        // A valid signature of another manifest, stored under this one's signature tag: a re-tag.
        const string otherDigest = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
        var payload = Payload(otherDigest, Repository + ":1");

        var check = SigstoreSignature.Verify(payload, Sign(_signer, payload), [Key("release", _signer)], Digest, Repository);

        Assert.False(check.Valid);
        Assert.Equal($"the signature is for the manifest {otherDigest}, not {Digest}", check.Problem);
    }

    [Fact]
    public void Verify_PayloadNamesAnotherRepository_Refused()
    {
        var payload = Payload(Digest, "127.0.0.1:5443/e2e/elsewhere:1");

        var check = SigstoreSignature.Verify(payload, Sign(_signer, payload), [Key("release", _signer)], Digest, Repository);

        Assert.False(check.Valid);
        Assert.Contains("not the repository 127.0.0.1:5443/e2e/signed", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TamperedPayload_Refused()
    {
        var payload = Payload(Digest, Repository + ":1");
        var signature = Sign(_signer, payload);
        var tampered = Payload(Digest, Repository + ":2");

        Assert.False(SigstoreSignature.Verify(tampered, signature, [Key("release", _signer)], Digest, Repository).Valid);
    }

    [Fact]
    public void Verify_TamperedSignature_Refused()
    {
        var payload = Payload(Digest, Repository + ":1");
        var signature = Convert.FromBase64String(Sign(_signer, payload));
        signature[^3] ^= 0x01;

        var check = SigstoreSignature.Verify(payload, Convert.ToBase64String(signature), [Key("release", _signer)], Digest, Repository);

        Assert.False(check.Valid);
        Assert.Equal("no configured key verifies the signature", check.Problem);
    }

    [Fact]
    public void Verify_NotBase64OrMissing_Refused()
    {
        var payload = Payload(Digest, Repository + ":1");

        Assert.Contains("not base64", SigstoreSignature.Verify(payload, "!!", [Key("release", _signer)], Digest, Repository).Problem, StringComparison.Ordinal);
        Assert.Contains("no signature annotation", SigstoreSignature.Verify(payload, null, [Key("release", _signer)], Digest, Repository).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SignedPayloadOfAnotherType_Refused()
    {
        var payload = Encoding.UTF8.GetBytes($$$"""{"critical":{"identity":{"docker-reference":"{{{Repository}}}"},"image":{"docker-manifest-digest":"{{{Digest}}}"},"type":"atomic container signature"}}""");

        var check = SigstoreSignature.Verify(payload, Sign(_signer, payload), [Key("release", _signer)], Digest, Repository);

        Assert.Contains("\"atomic container signature\"", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SignatureTag_IsCosignsTag() =>
        Assert.Equal("sha256-abc.sig", SigstoreSignature.SignatureTag("sha256:abc"));

    public static string Sign(ECDsa key, byte[] payload) =>
        Convert.ToBase64String(key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    private static ImagePolicyKey Key(string name, ECDsa key) =>
        new(name, name + ".pub", SigstoreSignature.ImportPublicKey(key.ExportSubjectPublicKeyInfo()));

    public void Dispose()
    {
        _signer.Dispose();
        _other.Dispose();
    }
}
