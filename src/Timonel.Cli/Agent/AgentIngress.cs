using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Ingress.Hosting;

namespace Timonel.Cli.Agent;

/// <summary>
/// The ingress controller of a node agent with the API client of its own identity and what keeps
/// that credential fresh (the server's in-process certificate), disposed together.
/// </summary>
internal sealed partial class AgentIngress(IKubernetes client, IngressControllerOptions options, IAsyncDisposable? credential) : IAsyncDisposable
{
    private NodeIngressService? _service;

    public IngressControllerOptions Options => options;

    /// <summary>Null until <see cref="Start"/>.</summary>
    public NodeIngressService? Service => _service;

    public void Start(ILoggerFactory loggers) => _service = NodeIngressService.Start(client, options, loggers);

    /// <summary>The agent's ingress for `timonel agent`: from --ingress-kubeconfig, or none (with a log line saying why).</summary>
    public static AgentIngress? FromKubeconfig(AgentIngressSettings settings, string nodeName, ILoggerFactory loggers)
    {
        if (!settings.Enabled)
        {
            return null;
        }

        if (settings.KubeconfigPath is null)
        {
            LogNoCredential(loggers.CreateLogger("ingress"));
            return null;
        }

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(settings.KubeconfigPath);
        return new AgentIngress(new Kubernetes(config), new IngressControllerOptions { NodeName = nodeName, Proxy = settings.Proxy }, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync().ConfigureAwait(false);
        }

        client.Dispose();
        if (credential is not null)
        {
            await credential.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "no ingress controller on this node: it needs its own identity (--ingress-kubeconfig; see docs/ingress.md), the node's may not read Secrets. --disable ingress silences this")]
    private static partial void LogNoCredential(ILogger logger);
}
