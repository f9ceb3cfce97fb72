using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;

namespace Timonel.Client.Certificates;

/// <summary>
/// The kubelet's client certificate request (upstream's bootstrap.go and certificate manager): a
/// new ECDSA P-256 key, a CSR for CN system:node:NAME, O system:nodes with signer
/// kube-apiserver-client-kubelet and the usages csrapproving requires, sent with the caller's
/// credential (the join token on first start, the current node certificate on renewal); then
/// waits, polling with backoff, until csrapproving and csrsigning issued the certificate.
/// </summary>
public sealed class NodeClientCertificateRequester(TimeProvider time)
{
    /// <summary>The first wait between reads of the CSR; it doubles up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <exception cref="NodeCertificateException">The request was denied or failed, or no certificate came within <paramref name="timeout"/>.</exception>
    public async Task<IssuedUserCertificate> RequestAsync(IKubernetes client, string nodeName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(NodeClientCertificates.NodesGroup);
        subject.AddCommonName(NodeClientCertificates.UserPrefix + nodeName);
        var requestPem = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var csr = new V1CertificateSigningRequest
        {
            ApiVersion = "certificates.k8s.io/v1",
            Kind = "CertificateSigningRequest",
            Metadata = new V1ObjectMeta { GenerateName = "node-csr-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                SignerName = NodeClientCertificates.SignerName,
                Request = Encoding.ASCII.GetBytes(requestPem),
                Usages = [.. NodeClientCertificates.Usages],
            },
        };
        var name = (await client.CertificatesV1.CreateCertificateSigningRequestAsync(csr, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata.Name;

        return await CertificateSigningRequestWait.UntilIssuedAsync(
            client,
            name,
            key,
            timeout,
            (PollInterval, MaxPollInterval),
            time,
            refused => new NodeCertificateException($"certificate signing request {name} for {NodeClientCertificates.UserPrefix}{nodeName} was {refused.Type.ToLowerInvariant()}: {refused.Reason}: {refused.Message}"),
            () => new NodeCertificateException(
                $"certificate signing request {name} for {NodeClientCertificates.UserPrefix}{nodeName} was not issued within {timeout.TotalSeconds:0}s: "
                + "are the controller manager's csrapproving and csrsigning controllers running, and may the requester create certificatesigningrequests/nodeclient "
                + "(ClusterRoleBinding timonel:node-autoapprove-bootstrap)? A person can approve it: kubectl certificate approve " + name),
            cancellationToken).ConfigureAwait(false);
    }
}
