namespace Timonel.Controllers.Certificates;

/// <summary>
/// Upstream's per-signer checks of a request (pkg/apis/certificates/v1 helpers and the signer's
/// isRequestForSigner): null when <paramref name="csr"/> may be signed for the signer, else the
/// message the Failed condition carries. Messages are upstream's, word for word.
/// </summary>
public static class CsrSignerRules
{
    private static readonly string[] KubeletClientUsages = Sorted(CsrSigners.DigitalSignature, CsrSigners.KeyEncipherment, CsrSigners.ClientAuth);
    private static readonly string[] KubeletClientUsagesNoRsa = Sorted(CsrSigners.DigitalSignature, CsrSigners.ClientAuth);
    private static readonly string[] KubeletServingUsages = Sorted(CsrSigners.DigitalSignature, CsrSigners.KeyEncipherment, CsrSigners.ServerAuth);
    private static readonly string[] KubeletServingUsagesNoRsa = Sorted(CsrSigners.DigitalSignature, CsrSigners.ServerAuth);

    /// <summary>The check for <paramref name="signerName"/>'s requests.</summary>
    public static string? Validate(string signerName, ParsedCsr csr, IReadOnlyList<string> usages) => signerName switch
    {
        CsrSigners.KubeApiServerClient => ApiServerClientUsages(usages),
        CsrSigners.KubeApiServerClientKubelet => KubeletClient(csr, usages),
        CsrSigners.KubeletServing => KubeletServing(csr, usages),
        _ => $"signer {signerName} is not served by this controller",
    };

    /// <summary>ValidateKubeletClientCSR: O=system:nodes only, CN system:node:NAME, no SANs, the kubelet client usages.</summary>
    public static string? KubeletClient(ParsedCsr csr, IReadOnlyList<string> usages)
    {
        if (csr.Organizations is not [CsrSigners.NodesGroup])
        {
            return "subject organization is not system:nodes";
        }

        if (csr.DnsNames.Count > 0)
        {
            return "DNS subjectAltNames are not allowed";
        }

        if (csr.EmailAddresses.Count > 0)
        {
            return "Email subjectAltNames are not allowed";
        }

        if (csr.IpAddresses.Count > 0)
        {
            return "IP subjectAltNames are not allowed";
        }

        if (csr.Uris.Count > 0)
        {
            return "URI subjectAltNames are not allowed";
        }

        if (!csr.CommonName.StartsWith(CsrSigners.NodeUserPrefix, StringComparison.Ordinal))
        {
            return "subject common name does not begin with system:node:";
        }

        var set = Sorted([.. usages]);
        return set.SequenceEqual(KubeletClientUsages) || set.SequenceEqual(KubeletClientUsagesNoRsa) ? null : $"usages did not match {GoList(set)}";
    }

    /// <summary>ValidateKubeletServingCSR: O=system:nodes only, CN system:node:NAME, a DNS or IP SAN and no other kind, the serving usages.</summary>
    public static string? KubeletServing(ParsedCsr csr, IReadOnlyList<string> usages)
    {
        if (csr.Organizations is not [CsrSigners.NodesGroup])
        {
            return "subject organization is not system:nodes";
        }

        if (csr.DnsNames.Count == 0 && csr.IpAddresses.Count == 0)
        {
            return "DNS or IP subjectAltName is required";
        }

        if (csr.EmailAddresses.Count > 0)
        {
            return "Email subjectAltNames are not allowed";
        }

        if (csr.Uris.Count > 0)
        {
            return "URI subjectAltNames are not allowed";
        }

        if (!csr.CommonName.StartsWith(CsrSigners.NodeUserPrefix, StringComparison.Ordinal))
        {
            return "subject common name does not begin with system:node:";
        }

        var set = Sorted([.. usages]);
        return set.SequenceEqual(KubeletServingUsages) || set.SequenceEqual(KubeletServingUsagesNoRsa) ? null : $"usages did not match {GoList(set)}";
    }

    /// <summary>validAPIServerClientUsages: only digital signature, key encipherment and client auth, client auth required.</summary>
    public static string? ApiServerClientUsages(IReadOnlyList<string> usages)
    {
        var clientAuth = false;
        foreach (var usage in usages)
        {
            switch (usage)
            {
                case CsrSigners.DigitalSignature or CsrSigners.KeyEncipherment:
                    break;
                case CsrSigners.ClientAuth:
                    clientAuth = true;
                    break;
                default:
                    return $"invalid usage for client certificate: {usage}";
            }
        }

        return clientAuth ? null : $"missing required usage for client certificate: {CsrSigners.ClientAuth}";
    }

    private static string[] Sorted(params string[] values) => [.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Go's %v of a string slice: [a b c].</summary>
    private static string GoList(IEnumerable<string> values) => "[" + string.Join(' ', values) + "]";
}
