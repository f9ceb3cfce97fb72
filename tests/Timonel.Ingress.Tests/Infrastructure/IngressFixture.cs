using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Timonel.Ingress.Hosting;
using Timonel.Ingress.Proxy;
using Timonel.ApiServer.Security;
using Timonel.Testing;

namespace Timonel.Ingress.Tests.Infrastructure;

/// <summary>
/// One in-process cluster with the ingress controller on free loopback ports and two backends,
/// "A" and "B", published as Services a and b (port 80, named http) of <see cref="Namespace"/>
/// through hand-written EndpointSlices at 127.0.0.1. A Node with InternalIP 127.0.0.1 gives the
/// status an address. The server authorizes as upstream's (Node, RBAC) and the controller runs as
/// its own user timonel:ingress-controller, so every test also shows that role is enough.
/// Tests use hosts of their own.
/// </summary>
public sealed class IngressFixture : IAsyncLifetime
{
    private TestCluster? _cluster;
    private TestBackend? _a;
    private TestBackend? _b;
    private IngressController? _controller;

    public TestCluster Cluster => _cluster!;

    public IKubernetes Client => Cluster.Client;

    public IngressController Controller => _controller!;

    public string Namespace { get; private set; } = "";

    internal TestCertificates Certificates { get; } = new();

    /// <summary>The controller's access log lines.</summary>
    internal AccessLogCapture AccessLog { get; } = new();

    public int HttpPort => Controller.Proxy.HttpEndPoint.Port;

    public int HttpsPort => Controller.Proxy.HttpsEndPoint.Port;

    /// <summary>A client as the controller's user (a certificate from the cluster's client CA).</summary>
    public IKubernetes IngressClient
    {
        get
        {
            var server = KubernetesClientConfiguration.BuildConfigFromConfigFile(Cluster.KubeconfigPath).Host;
            using var kubeconfig = new MemoryStream(Encoding.UTF8.GetBytes(Cluster.Host.Pki.ComponentKubeconfig(server, ComponentUsers.IngressController, DateTimeOffset.UtcNow)));
            return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        }
    }

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(configure: o => o with { AuthorizationModes = ["Node", "RBAC"] });
        Namespace = await _cluster.CreateNamespaceAsync("ingress");
        _a = await TestBackend.StartAsync("A");
        _b = await TestBackend.StartAsync("B");
        await CreateServiceAsync("a", _a.Port, ready: true);
        await CreateServiceAsync("b", _b.Port, ready: true);
        await Client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "node-1" },
            Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }] },
        });
        _controller = await IngressController.StartAsync(
            IngressClient,
            new IngressControllerOptions { NodeName = "node-1", Proxy = new IngressProxyOptions { ListenAddress = IPAddress.Loopback, HttpPort = 0, HttpsPort = 0 } },
            AccessLog,
            CancellationToken.None);
    }

    /// <summary>Service NAME (port 80 "http") with one endpoint 127.0.0.1:PORT, ready or not.</summary>
    public async Task CreateServiceAsync(string name, int port, bool ready)
    {
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = port, Protocol = "TCP" }] },
        }, Namespace);
        await Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = $"{name}-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = name } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = ready } }],
        }, Namespace);
    }

    public async Task CreateTlsSecretAsync(string name, string host, bool viaIntermediate = false)
    {
        var (cert, key) = viaIntermediate ? Certificates.IssueViaIntermediate(host) : Leaf(Certificates.Issue(host));
        await Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(cert), ["tls.key"] = Encoding.UTF8.GetBytes(key) },
        }, Namespace);
    }

    private static (string, string) Leaf((string CertPem, string KeyPem, string Serial) issued) => (issued.CertPem, issued.KeyPem);

    /// <summary>
    /// A client whose every connection goes to the proxy's loopback port of the URL's port (no
    /// name resolution), that trusts the test CA only and tells each server certificate it saw.
    /// </summary>
    public SocketsHttpHandler Handler(Action<X509Certificate2>? onCertificate = null) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                var cert = new X509Certificate2(certificate);
                onCertificate?.Invoke(cert);
                // The chain's extra store holds what the server sent besides the leaf (its intermediates).
                return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && Certificates.Trusts(cert, chain?.ChainPolicy.ExtraStore);
            },
        },
    };

    public HttpClient HttpClient(Action<X509Certificate2>? onCertificate = null) => new(Handler(onCertificate)) { Timeout = TimeSpan.FromSeconds(20) };

    public async Task DisposeAsync()
    {
        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        Certificates.Dispose();
    }
}
