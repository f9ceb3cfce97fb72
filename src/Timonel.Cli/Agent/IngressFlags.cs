using System.CommandLine;
using System.Net;
using Timonel.Ingress.Proxy;

namespace Timonel.Cli.Agent;

/// <summary>What the node agent's ingress controller is told by the command line.</summary>
/// <param name="KubeconfigPath">The controller's own credential (`timonel agent --ingress-kubeconfig`); null in the server, which issues one.</param>
internal sealed record AgentIngressSettings(bool Enabled, IngressProxyOptions Proxy, string? KubeconfigPath)
{
    public static AgentIngressSettings Disabled { get; } = new(false, new IngressProxyOptions(), null);
}

/// <summary>
/// The ingress flags `timonel server` and `timonel agent` share: --disable ingress (k3s's
/// --disable traefik), --ingress-http-port, --ingress-https-port, and for the agent
/// --ingress-kubeconfig.
/// </summary>
internal sealed class IngressFlags
{
    /// <summary>The components --disable knows.</summary>
    public static readonly string[] Components = ["ingress"];

    public Option<string[]> Disable { get; } = new("--disable") { Description = "Built-in node components not to run: ingress (repeat the flag or comma-separate)", Arity = ArgumentArity.ZeroOrMore };

    public Option<int> HttpPort { get; } = new("--ingress-http-port") { Description = "Port of the node's addresses the ingress controller serves HTTP on", DefaultValueFactory = _ => 80 };

    public Option<int> HttpsPort { get; } = new("--ingress-https-port") { Description = "Port of the node's addresses the ingress controller serves HTTPS on", DefaultValueFactory = _ => 443 };

    public Option<string?> Kubeconfig { get; } = new("--ingress-kubeconfig") { Description = "Kubeconfig of the ingress controller's own identity (ClusterRole timonel:ingress-controller; see docs/ingress.md): the node's own may not read Secrets. Without it this agent runs no ingress controller" };

    public void AddTo(Command command, bool withKubeconfig)
    {
        command.Options.Add(Disable);
        command.Options.Add(HttpPort);
        command.Options.Add(HttpsPort);
        if (withKubeconfig)
        {
            command.Options.Add(Kubeconfig);
        }
    }

    /// <exception cref="ArgumentException">An unknown component or a bad port; the message names the flag.</exception>
    public AgentIngressSettings Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var disabled = ParseDisable(parse.GetValue(Disable));
        var proxy = new IngressProxyOptions { ListenAddress = IPAddress.Any, HttpPort = parse.GetValue(HttpPort), HttpsPort = parse.GetValue(HttpsPort) };
        proxy.Validate();
        var kubeconfig = parse.GetResult(Kubeconfig) is null ? null : parse.GetValue(Kubeconfig);
        return new AgentIngressSettings(!disabled.Contains("ingress"), proxy, string.IsNullOrEmpty(kubeconfig) ? null : Path.GetFullPath(kubeconfig));
    }

    public static HashSet<string> ParseDisable(IEnumerable<string>? values)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Components.Contains(name))
            {
                throw new ArgumentException($"--disable: unknown component \"{name}\" (known: {string.Join(", ", Components)})");
            }

            names.Add(name);
        }

        return names;
    }
}
