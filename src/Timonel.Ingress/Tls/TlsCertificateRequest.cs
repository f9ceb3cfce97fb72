namespace Timonel.Ingress.Tls;

/// <summary>A certificate to serve for <paramref name="Hosts"/> from Secret <paramref name="Namespace"/>/<paramref name="SecretName"/>, asked for by <paramref name="Owner"/> ("ns/name" of an Ingress or Gateway).</summary>
public sealed record TlsCertificateRequest(string Owner, string Namespace, string SecretName, IReadOnlyList<string> Hosts);
