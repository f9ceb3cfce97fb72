using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Seals the cluster's shared secrets for the datastore with a key derived from the join
/// token's secret (PBKDF2-SHA256, random salt) and AES-256-GCM, as k3s encrypts its bootstrap
/// data: whoever can read the datastore but lacks the token learns nothing, and a wrong token
/// fails the authentication tag instead of yielding garbage. The record's key name is bound in
/// as associated data, so a sealed record cannot be replayed under another key.
/// </summary>
internal static class BootstrapCipher
{
    private const int Iterations = 100_000;
    private const int SaltBytes = 16;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const int KeyBytes = 32;

    public static byte[] Seal(string secret, string keyName, byte[] plaintext)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagBytes];
        using (var aes = new AesGcm(DeriveKey(secret, salt), TagBytes))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, Encoding.UTF8.GetBytes(keyName));
        }

        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["version"] = 1,
            ["kdf"] = $"pbkdf2-sha256:{Iterations}",
            ["salt"] = Convert.ToBase64String(salt),
            ["nonce"] = Convert.ToBase64String(nonce),
            ["tag"] = Convert.ToBase64String(tag),
            ["ciphertext"] = Convert.ToBase64String(ciphertext),
        }.ToJsonString());
    }

    /// <summary>The plaintext, or null when <paramref name="secret"/> is not the one it was sealed with.</summary>
    /// <exception cref="FormatException">The record is not a sealed bootstrap record.</exception>
    public static byte[]? Open(string secret, string keyName, ReadOnlySpan<byte> sealedRecord)
    {
        JsonObject record;
        byte[] salt, nonce, tag, ciphertext;
        try
        {
            record = JsonNode.Parse(sealedRecord) as JsonObject ?? throw new FormatException("not a JSON object");
            if ((int?)record["version"] != 1)
            {
                throw new FormatException($"unknown version {record["version"]}");
            }

            salt = Convert.FromBase64String((string?)record["salt"] ?? "");
            nonce = Convert.FromBase64String((string?)record["nonce"] ?? "");
            tag = Convert.FromBase64String((string?)record["tag"] ?? "");
            ciphertext = Convert.FromBase64String((string?)record["ciphertext"] ?? "");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new FormatException(e.Message, e);
        }

        if (nonce.Length != NonceBytes || tag.Length != TagBytes || salt.Length == 0)
        {
            throw new FormatException("bad salt, nonce or tag length");
        }

        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var aes = new AesGcm(DeriveKey(secret, salt), TagBytes);
            aes.Decrypt(nonce, ciphertext, tag, plaintext, Encoding.UTF8.GetBytes(keyName));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] DeriveKey(string secret, byte[] salt) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, Iterations, HashAlgorithmName.SHA256, KeyBytes);
}
