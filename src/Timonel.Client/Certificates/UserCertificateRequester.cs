using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Timonel.Client.Certificates;

/// <summary>A client certificate the cluster issued, with the private key made for it (both PEM).</summary>
public sealed record IssuedUserCertificate(string CsrName, string CertificatePem, string KeyPem);

/// <summary>Why a user certificate was not issued (denied, failed, or not signed in time); the message says which.</summary>
public sealed class UserCertificateException(string message) : Exception(message);

/// <summary>
/// What `timonel kubeconfig` does through the API, as a person would with kubectl: makes a key,
/// sends a CertificateSigningRequest for signer kube-apiserver-client (CN = user, O = groups),
/// approves it with the caller's own rights, and waits for csrsigning to issue the certificate.
/// </summary>
public sealed partial class UserCertificateRequester(IKubernetes client, TimeProvider time)
{
    public const string SignerName = "kubernetes.io/kube-apiserver-client";

    /// <summary>How often the CSR is read back while waiting for its certificate.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Requests, approves and waits for a certificate for <paramref name="user"/> in <paramref name="groups"/>.</summary>
    /// <param name="expiration">spec.expirationSeconds; null leaves it to the signer's maximum.</param>
    /// <exception cref="UserCertificateException">The request was denied or failed, or no certificate came within <paramref name="timeout"/>.</exception>
    public async Task<IssuedUserCertificate> RequestAsync(string user, IReadOnlyList<string> groups, TimeSpan? expiration, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var group in groups)
        {
            subject.AddOrganizationName(group);
        }

        subject.AddCommonName(user);
        var requestPem = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var csr = new V1CertificateSigningRequest
        {
            ApiVersion = "certificates.k8s.io/v1",
            Kind = "CertificateSigningRequest",
            Metadata = new V1ObjectMeta { GenerateName = $"timonel-user-{NameSafe(user)}-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                SignerName = SignerName,
                Request = Encoding.ASCII.GetBytes(requestPem),
                Usages = ["digital signature", "client auth"],
                ExpirationSeconds = expiration is { } e ? (int)Math.Min(int.MaxValue, Math.Ceiling(e.TotalSeconds)) : null,
            },
        };
        var created = await client.CertificatesV1.CreateCertificateSigningRequestAsync(csr, cancellationToken: cancellationToken).ConfigureAwait(false);
        var name = created.Metadata.Name;
        created.Status ??= new V1CertificateSigningRequestStatus();
        created.Status.Conditions ??= [];
        created.Status.Conditions.Add(new V1CertificateSigningRequestCondition
        {
            Type = "Approved",
            Status = "True",
            Reason = "TimonelKubeconfig",
            Message = $"This CSR was approved by timonel kubeconfig for user {user}.",
            LastUpdateTime = time.GetUtcNow().UtcDateTime,
        });
        await client.CertificatesV1.ReplaceCertificateSigningRequestApprovalAsync(created, name, cancellationToken: cancellationToken).ConfigureAwait(false);

        return await CertificateSigningRequestWait.UntilIssuedAsync(
            client,
            name,
            key,
            timeout,
            (PollInterval, PollInterval),
            time,
            refused => new UserCertificateException($"certificate signing request {name} was {refused.Type.ToLowerInvariant()}: {refused.Reason}: {refused.Message}"),
            () => new UserCertificateException($"certificate signing request {name} was approved but not signed within {timeout.TotalSeconds:0}s: is the controller manager's csrsigning controller running (--controllers)?"),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The user name as it may appear in an object name (lower-case letters, digits, '-', '.').</summary>
    private static string NameSafe(string user)
    {
        var safe = Unsafe().Replace(user.ToLowerInvariant(), "-").Trim('-', '.');
        return safe.Length == 0 ? "user" : safe.Length > 200 ? safe[..200].TrimEnd('-', '.') : safe;
    }

    [GeneratedRegex("[^a-z0-9.-]+")]
    private static partial Regex Unsafe();
}
