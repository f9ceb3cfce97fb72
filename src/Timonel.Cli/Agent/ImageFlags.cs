using Timonel.Api.Images;
using System.CommandLine;
using Timonel.Kubelet.Images;

namespace Timonel.Cli.Agent;

/// <summary>How the node agent gets images, from the command line.</summary>
internal sealed record AgentImageSettings(string? PullPolicyOverride, RegistriesConfig? Registries, bool SerializePulls, TimeSpan PullProgressDeadline);

/// <summary>
/// The image flags `timonel server` and `timonel agent` share besides --image-pull-policy-override:
/// --registries (a k3s-style registries.yaml; default /etc/timonel/registries.yaml when it exists,
/// as k3s reads /etc/rancher/k3s/registries.yaml), --serialize-image-pulls (upstream's, default true)
/// and --image-pull-progress-deadline (upstream's old kubelet flag, default 1m).
/// </summary>
internal sealed class ImageFlags
{
    public Option<string?> Registries { get; } = new("--registries") { Description = $"A k3s-style registries.yaml: mirrors (endpoint lists) and per-registry auth and TLS for image pulls (default {RegistriesConfig.DefaultPath} when it exists); a bad file stops the agent" };

    public Option<bool> SerializePulls { get; } = new("--serialize-image-pulls") { Description = "Pull one image at a time (default true, as upstream's kubelet); --serialize-image-pulls=false pulls in parallel", DefaultValueFactory = _ => true };

    public Option<string> ProgressDeadline { get; } = new("--image-pull-progress-deadline") { Description = "Cancel a pull (ErrImagePull) whose downloads take no byte for this long (Go duration, default 1m; 0 never)", DefaultValueFactory = _ => "1m" };

    public void AddTo(Command command)
    {
        command.Options.Add(Registries);
        command.Options.Add(SerializePulls);
        command.Options.Add(ProgressDeadline);
    }

    /// <summary>The settings, the registries file read and checked; ArgumentException says what is wrong.</summary>
    public AgentImageSettings Read(ParseResult parse, string? pullPolicyOverride)
    {
        var named = parse.GetValue(Registries);
        var path = named is { Length: > 0 } ? named : File.Exists(RegistriesConfig.DefaultPath) ? RegistriesConfig.DefaultPath : null;
        RegistriesConfig? registries = null;
        if (path is not null)
        {
            try
            {
                registries = RegistriesConfig.Load(path);
            }
            catch (FormatException e)
            {
                throw new ArgumentException(e.Message, e);
            }
        }

        return new AgentImageSettings(pullPolicyOverride, registries, parse.GetValue(SerializePulls), ImageGcFlags.Duration(ProgressDeadline.Name, parse.GetValue(ProgressDeadline)!));
    }
}
