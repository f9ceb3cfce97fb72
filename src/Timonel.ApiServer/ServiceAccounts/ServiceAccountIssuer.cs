using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.ServiceAccounts;

/// <summary>
/// Signs and verifies the cluster's service-account JWTs (ES256, compact form) with the
/// service-account key every server shares (<see cref="Security.ClusterPki.ServiceAccountKey"/>),
/// and publishes that key as upstream does (OIDC discovery and a JWK set).
/// </summary>
public sealed class ServiceAccountIssuer
{
    /// <summary>Upstream's default --service-account-issuer (and so the default API audience).</summary>
    public const string DefaultIssuer = "https://kubernetes.default.svc.cluster.local";

    private const string Algorithm = "ES256";
    private readonly ECDsa _key;
    private readonly byte[] _encodedHeader;

    /// <param name="key">The P-256 signing key; its public half verifies.</param>
    /// <param name="issuer">The "iss" of every token signed here.</param>
    /// <param name="apiAudiences">Audiences the API server accepts (upstream's --api-audiences); empty means the issuer.</param>
    public ServiceAccountIssuer(ECDsa key, string issuer, IReadOnlyList<string> apiAudiences)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        _key = key;
        Issuer = issuer;
        ApiAudiences = apiAudiences.Count == 0 ? [issuer] : apiAudiences;
        // Upstream's key id: the unpadded base64url SHA-256 of the public key's DER (PKIX).
        KeyId = Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        _encodedHeader = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["alg"] = Algorithm, ["kid"] = KeyId })));
    }

    public string Issuer { get; }

    public IReadOnlyList<string> ApiAudiences { get; }

    public string KeyId { get; }

    /// <summary>Compact JWS of <paramref name="claims"/>: header.payload.signature.</summary>
    public string Sign(JsonObject claims)
    {
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signingInput = new byte[_encodedHeader.Length + 1 + payload.Length];
        _encodedHeader.CopyTo(signingInput, 0);
        signingInput[_encodedHeader.Length] = (byte)'.';
        Encoding.ASCII.GetBytes(payload, signingInput.AsSpan(_encodedHeader.Length + 1));
        // JWS wants the raw r||s form (IEEE P1363), .NET's default for ECDsa.SignData.
        var signature = _key.SignData(signingInput, HashAlgorithmName.SHA256);
        return $"{Encoding.ASCII.GetString(signingInput)}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>
    /// The claims of a token this issuer signed, or null when it is not a well-formed JWS with
    /// this key's valid signature and this issuer's "iss". Time and audience are not checked here.
    /// </summary>
    public JsonObject? Verify(string token)
    {
        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var lastDot = token.LastIndexOf('.');
        if (firstDot <= 0 || lastDot == firstDot || token.IndexOf('.', firstDot + 1) != lastDot || token.Length > 16 * 1024)
        {
            return null;
        }

        try
        {
            var header = JsonNode.Parse(Base64Url.DecodeFromChars(token.AsSpan(0, firstDot))) as JsonObject;
            if (header?["alg"]?.GetValueKind() != JsonValueKind.String || (string?)header["alg"] != Algorithm)
            {
                return null;
            }

            var signature = Base64Url.DecodeFromChars(token.AsSpan(lastDot + 1));
            var signingInput = Encoding.ASCII.GetBytes(token[..lastDot]);
            if (signature.Length != 64 || !_key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256))
            {
                return null;
            }

            var claims = JsonNode.Parse(Base64Url.DecodeFromChars(token.AsSpan(firstDot + 1, lastDot - firstDot - 1))) as JsonObject;
            return claims is not null && claims["iss"] is JsonValue iss && iss.TryGetValue<string>(out var value) && value == Issuer ? claims : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The OIDC discovery document (/.well-known/openid-configuration).</summary>
    /// <param name="jwksUri">Where the JWK set is served, e.g. https://10.0.0.1:6443/openid/v1/jwks.</param>
    public JsonObject OpenIdConfiguration(string jwksUri) => new()
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = jwksUri,
        ["response_types_supported"] = new JsonArray("id_token"),
        ["subject_types_supported"] = new JsonArray("public"),
        ["id_token_signing_alg_values_supported"] = new JsonArray(Algorithm),
    };

    /// <summary>The public signing key as a JWK set (/openid/v1/jwks).</summary>
    public JsonObject JsonWebKeySet()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["use"] = "sig",
                ["kty"] = "EC",
                ["kid"] = KeyId,
                ["crv"] = "P-256",
                ["alg"] = Algorithm,
                ["x"] = Base64Url.EncodeToString(parameters.Q.X),
                ["y"] = Base64Url.EncodeToString(parameters.Q.Y),
            }),
        };
    }
}
