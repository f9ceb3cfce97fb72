namespace Timonel.Kubelet.Server;

/// <summary>Who called the kubelet's server, as a client certificate or a TokenReview said.</summary>
/// <param name="IsApiServer">The API server's own certificate: trusted for every path without a SubjectAccessReview.</param>
public sealed record KubeletCaller(string User, IReadOnlyList<string> Groups, bool IsApiServer = false, string? Uid = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null);
