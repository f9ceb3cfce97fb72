using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Client.Certificates;

/// <summary>
/// The kubelet's TLS bootstrap for `timonel agent`: the node's client certificate from the data
/// directory when it is still good (this node's, unexpired, and accepted by the server), else a
/// new one requested with the join token; then a <see cref="RotatingClientCertificate"/> that
/// renews it with itself (certificatesigningrequests/selfnodeclient) and stores each new one.
/// </summary>
public sealed partial class NodeClientBootstrap(NodeCertificateFiles files, string nodeName, TimeProvider time, ILogger logger)
{
    /// <summary>How long to wait for a requested certificate before giving up with an error naming the CSR.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public NodeClientCertificateRequester Requester { get; init; } = new(TimeProvider.System);

    /// <summary>Where in 70–90 % of each certificate's lifetime it is renewed, in [0, 1); null: random, as upstream.</summary>
    public Func<double>? Jitter { get; init; }

    /// <summary>
    /// Gets the node's certificate (stored or bootstrapped) and returns it ready to rotate.
    /// </summary>
    /// <param name="bootstrapClient">Makes a client authenticated with the join token (used and disposed per request).</param>
    /// <param name="serverConfig">Makes a configuration of the server's address and trust (no credential).</param>
    public async Task<RotatingClientCertificate> StartAsync(Func<IKubernetes> bootstrapClient, Func<KubernetesClientConfiguration> serverConfig, CancellationToken cancellationToken)
    {
        var certificate = files.TryLoad(nodeName, time.GetUtcNow(), out var problem);
        if (certificate is not null && !await AcceptedAsync(certificate, serverConfig, cancellationToken).ConfigureAwait(false))
        {
            certificate.Dispose();
            certificate = null;
            problem = "the server does not accept the stored certificate (another cluster's CA?)";
        }

        if (certificate is null)
        {
            Log.Bootstrapping(logger, nodeName, problem);
            using var client = bootstrapClient();
            certificate = await RequestAsync(client, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Log.Reusing(logger, files.CertificatePath, certificate.NotAfter.ToUniversalTime());
        }

        RotatingClientCertificate? rotating = null;
        rotating = new RotatingClientCertificate(
            certificate,
            async (current, ct) =>
            {
                // Renew as the node itself while its certificate is valid; once it expired, only the join token is left.
                if (current.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime)
                {
                    using var self = new Kubernetes(rotating!.Configure(serverConfig()));
                    return await RequestAsync(self, ct).ConfigureAwait(false);
                }

                using var token = bootstrapClient();
                return await RequestAsync(token, ct).ConfigureAwait(false);
            },
            time,
            logger,
            Jitter);
        return rotating;
    }

    private async Task<X509Certificate2> RequestAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var issued = await Requester.RequestAsync(client, nodeName, Timeout, cancellationToken).ConfigureAwait(false);
        files.Save(issued.CertificatePem, issued.KeyPem);
        Log.Issued(logger, issued.CsrName, nodeName, files.CertificatePath);
        return files.TryLoad(nodeName, time.GetUtcNow(), out var problem)
            ?? throw new NodeCertificateException($"certificate signing request {issued.CsrName} was issued a certificate that is not usable: {problem}");
    }

    /// <summary>False when the server answers 401 to the certificate (it was not issued by this cluster's client CA).</summary>
    private static async Task<bool> AcceptedAsync(X509Certificate2 certificate, Func<KubernetesClientConfiguration> serverConfig, CancellationToken cancellationToken)
    {
        var config = serverConfig();
        config.FirstMessageHandlerSetup = handler =>
        {
            if (handler is SocketsHttpHandler sockets)
            {
                sockets.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
            }
        };
        using var client = new Kubernetes(config);
        try
        {
            await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview { ApiVersion = "authentication.k8s.io/v1", Kind = "SelfSubjectReview" }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "node {Node}: requesting a client certificate with the join token ({Reason})")]
        public static partial void Bootstrapping(ILogger logger, string node, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "node client certificate {Path} reused, valid until {NotAfter:u}")]
        public static partial void Reusing(ILogger logger, string path, DateTime notAfter);

        [LoggerMessage(Level = LogLevel.Information, Message = "certificate signing request {Csr} issued the client certificate of node {Node}, stored in {Path}")]
        public static partial void Issued(ILogger logger, string csr, string node, string path);
    }
}
