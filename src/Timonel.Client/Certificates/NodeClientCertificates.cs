using System.Security.Cryptography.X509Certificates;

namespace Timonel.Client.Certificates;

/// <summary>What a node's client certificate is: CN system:node:NAME, O system:nodes, and when to renew it.</summary>
public static class NodeClientCertificates
{
    public const string UserPrefix = "system:node:";
    public const string NodesGroup = "system:nodes";
    public const string SignerName = "kubernetes.io/kube-apiserver-client-kubelet";

    /// <summary>The usages the csrapproving controller requires of a kubelet client request (ECDSA key: no key encipherment).</summary>
    public static readonly IReadOnlyList<string> Usages = ["digital signature", "client auth"];

    /// <summary>Null when <paramref name="certificate"/> is node <paramref name="nodeName"/>'s client certificate, valid at <paramref name="now"/>; else why not.</summary>
    public static string? Check(X509Certificate2 certificate, string nodeName, DateTimeOffset now)
    {
        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (commonName != UserPrefix + nodeName)
        {
            return $"stored certificate is for \"{commonName}\", not \"{UserPrefix}{nodeName}\"";
        }

        if (!certificate.SubjectName.EnumerateRelativeDistinguishedNames().Any(n => n.GetSingleElementType().Value == "2.5.4.10" && n.GetSingleElementValue() == NodesGroup))
        {
            return $"stored certificate is not in organization {NodesGroup}";
        }

        if (!certificate.HasPrivateKey)
        {
            return "stored certificate has no private key";
        }

        return now < certificate.NotBefore.ToUniversalTime() ? $"stored certificate is not valid before {certificate.NotBefore.ToUniversalTime():u}"
            : now >= certificate.NotAfter.ToUniversalTime() ? $"stored certificate expired at {certificate.NotAfter.ToUniversalTime():u}"
            : null;
    }

    /// <summary>
    /// Upstream's jittered rotation deadline (certificate manager's nextRotationDeadline): a point
    /// between 70 % and 90 % of the certificate's lifetime; <paramref name="jitter"/> in [0, 1).
    /// </summary>
    public static DateTimeOffset RenewalDeadline(X509Certificate2 certificate, double jitter)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var lifetime = certificate.NotAfter.ToUniversalTime() - certificate.NotBefore.ToUniversalTime();
        return notBefore + (lifetime * (0.7 + (0.2 * Math.Clamp(jitter, 0, 1))));
    }
}
