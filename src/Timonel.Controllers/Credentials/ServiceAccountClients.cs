using k8s;
using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.Credentials;

/// <summary>
/// Clients for the server at <paramref name="server"/> (its address and CA; its credential is not
/// used) that authenticate with a service account's renewed bound token.
/// </summary>
public sealed class ServiceAccountClients(KubernetesClientConfiguration server, ILoggerFactory loggers, TimeProvider? time = null) : IControllerClients
{
    public IKubernetes Create(IKubernetes root, string serviceAccount) => new Kubernetes(new KubernetesClientConfiguration
    {
        Host = server.Host,
        SslCaCerts = server.SslCaCerts,
        SkipTlsVerify = server.SkipTlsVerify,
        TlsServerName = server.TlsServerName,
        TokenProvider = new ServiceAccountTokenSource(root, serviceAccount, time ?? TimeProvider.System, loggers.CreateLogger("controller-credentials")),
    });
}
