using System.Security.Cryptography;
using System.Text.Json;

namespace Timonel.Api.Images;

/// <summary>
/// Sigstore (cosign) image signatures as cosign and containers/image (skopeo copy
/// --sign-by-sigstore-private-key) store them: for a manifest sha256:HEX, an OCI manifest at
/// tag <c>sha256-HEX.sig</c> of the same repository, each layer of media type
/// <see cref="LayerMediaType"/> being a "simple signing" JSON payload, with the base64 signature
/// over the payload's exact bytes in the layer annotation <see cref="SignatureAnnotation"/>.
/// The payload says what was signed: <c>critical.type</c> is <see cref="PayloadType"/>,
/// <c>critical.image.docker-manifest-digest</c> the manifest digest and
/// <c>critical.identity.docker-reference</c> the name it was signed under. A signature counts
/// when one of the keys verifies it (ECDSA with SHA-256, DER-encoded, as cosign signs; RSA
/// PKCS#1 v1.5 with SHA-256), the digest is the image's and the reference names the image's
/// repository (containers/image's default identity rule for an image pulled by digest).
/// </summary>
public static class SigstoreSignature
{
    public const string LayerMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";
    public const string PayloadType = "cosign container image signature";

    /// <summary>The tag a manifest's signatures live at: "sha256:abc" → "sha256-abc.sig".</summary>
    public static string SignatureTag(string manifestDigest) => manifestDigest.Replace(':', '-') + ".sig";

    /// <summary>A public key from its SubjectPublicKeyInfo DER: ECDSA or RSA.</summary>
    public static AsymmetricAlgorithm ImportPublicKey(byte[] subjectPublicKeyInfo)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            return ecdsa;
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            return rsa;
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new CryptographicException("not an ECDSA or RSA public key (ed25519 is not supported)", e);
        }
    }

    /// <summary>
    /// Checks one signature layer. Returns the name of the key that verified it, or the reason it
    /// does not count for the image <paramref name="repository"/>@<paramref name="manifestDigest"/>.
    /// </summary>
    public static SignatureCheck Verify(byte[] payload, string? signatureBase64, IEnumerable<ImagePolicyKey> keys, string manifestDigest, string repository)
    {
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureBase64 ?? throw new FormatException("the layer has no signature annotation"));
        }
        catch (FormatException e)
        {
            return SignatureCheck.Invalid($"the signature annotation is not base64: {e.Message}");
        }

        var signer = keys.FirstOrDefault(k => VerifiedBy(k.Key, payload, signature));
        if (signer is null)
        {
            return SignatureCheck.Invalid("no configured key verifies the signature");
        }

        // Only what the key vouched for is read: the payload after its signature is checked.
        string? type, digest, reference;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var critical = doc.RootElement.GetProperty("critical");
            type = critical.GetProperty("type").GetString();
            digest = critical.GetProperty("image").GetProperty("docker-manifest-digest").GetString();
            reference = critical.GetProperty("identity").GetProperty("docker-reference").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return SignatureCheck.Invalid($"the signed payload is not a simple signing payload: {e.Message}");
        }

        if (type != PayloadType)
        {
            return SignatureCheck.Invalid($"the signed payload's type is \"{type}\", not \"{PayloadType}\"");
        }

        if (!string.Equals(digest, manifestDigest, StringComparison.Ordinal))
        {
            return SignatureCheck.Invalid($"the signature is for the manifest {digest}, not {manifestDigest}");
        }

        var signedRepository = reference is { Length: > 0 } && ImageReference.Problem(reference) is null
            ? DockerConfigKeyring.Repository(ImageReference.Normalize(reference))
            : null;
        if (signedRepository != DockerConfigKeyring.Repository(ImageReference.Normalize(repository)))
        {
            return SignatureCheck.Invalid($"the signature names the image \"{reference}\", not the repository {repository}");
        }

        return SignatureCheck.By(signer.Name);
    }

    private static bool VerifiedBy(AsymmetricAlgorithm key, byte[] payload, byte[] signature)
    {
        try
        {
            return key switch
            {
                ECDsa ecdsa => ecdsa.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                RSA rsa => rsa.VerifyData(payload, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>The outcome of checking one signature: the key that verified it, or why it does not count.</summary>
public sealed record SignatureCheck(string? KeyName, string? Problem)
{
    public bool Valid => KeyName is not null;

    public static SignatureCheck By(string keyName) => new(keyName, null);

    public static SignatureCheck Invalid(string problem) => new(null, problem);
}
