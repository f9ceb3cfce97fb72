using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Decides whether a client certificate chains to the cluster's client CA (and is meant for
/// client auth), and maps it to a user: CN is the name, each O a group (upstream's x509
/// authenticator). Used both during the TLS handshake and per request, so results are cached by
/// the certificate's SHA-256 until the certificate expires; a cached entry is only ever reused
/// for byte-identical certificates. Kestrel hands every request of a connection the same
/// certificate object, so that object is remembered too and its requests skip even the hash.
/// </summary>
public sealed class ClientCertificateValidator
{
    /// <summary>Bounds the cache; certificates beyond it are validated each time.</summary>
    public const int CacheCapacity = 4096;

    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly X509Certificate2 _clientCa;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Hash, CacheEntry> _cache = new();
    private readonly ConditionalWeakTable<X509Certificate2, CacheEntry> _byInstance = new();

    public ClientCertificateValidator(X509Certificate2 clientCa, TimeProvider? time = null)
    {
        // A copy without the private key: the validator never needs to sign.
        _clientCa = X509CertificateLoader.LoadCertificate(clientCa.RawData);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The user <paramref name="certificate"/> authenticates as, or null when it is not trusted.</summary>
    public UserInfo? Validate(X509Certificate2 certificate)
    {
        var now = _time.GetUtcNow();
        if (_byInstance.TryGetValue(certificate, out var known) && known.IsValidAt(now))
        {
            return known.User;
        }

        Hash key = default;
        SHA256.HashData(certificate.RawDataMemory.Span, key);
        if (_cache.TryGetValue(key, out var cached) && cached.IsValidAt(now))
        {
            _byInstance.AddOrUpdate(certificate, cached);
            return cached.User;
        }

        var user = Chains(certificate, now) ? ToUser(certificate) : null;
        if (user is not null)
        {
            var entry = new CacheEntry(user, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
            _byInstance.AddOrUpdate(certificate, entry);
            if (_cache.Count < CacheCapacity)
            {
                _cache[key] = entry;
            }
        }

        return user;
    }

    private bool Chains(X509Certificate2 certificate, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_clientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        try
        {
            return chain.Build(certificate);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static UserInfo? ToUser(X509Certificate2 certificate)
    {
        string? name = null;
        var groups = new List<string>();
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }

            var type = rdn.GetSingleElementType().Value;
            var value = rdn.GetSingleElementValue();
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            if (type == CommonNameOid)
            {
                name = value;
            }
            else if (type == OrganizationOid)
            {
                groups.Add(value);
            }
        }

        // Upstream refuses a certificate without a common name: there is no user to name.
        return name is null ? null : UserInfo.Authenticated(name, groups);
    }

    private sealed record CacheEntry(UserInfo User, DateTimeOffset NotBefore, DateTimeOffset NotAfter)
    {
        public bool IsValidAt(DateTimeOffset now) => now >= NotBefore && now < NotAfter;
    }

    [InlineArray(32)]
    private struct Hash : IEquatable<Hash>
    {
        private byte _first;

        public readonly bool Equals(Hash other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

        public override readonly bool Equals(object? obj) => obj is Hash other && Equals(other);

        public override readonly int GetHashCode() => BitConverter.ToInt32(this);
    }
}
