namespace Timonel.Kubelet.Runtime;

/// <summary>
/// The machine programs the agent runs (it installs nothing itself): containerd, runc and the
/// CNI plugins. A missing one is named with the command that installs it on Debian.
/// </summary>
public static class MachineRequirements
{
    public const string InstallHint = "install them with: apt-get install -y containerd runc containernetworking-plugins (or run scripts/install-deps.sh)";

    private static readonly string[] CniPlugins = ["bridge", "host-local", "loopback", "portmap"];

    /// <summary>The missing programs, empty when the agent can run.</summary>
    public static IReadOnlyList<string> Missing(string cniBinDir)
    {
        var missing = new List<string>();
        foreach (var tool in new[] { "containerd", "runc", "containerd-shim-runc-v2" })
        {
            if (FindOnPath(tool) is null)
            {
                missing.Add(tool);
            }
        }

        foreach (var plugin in CniPlugins)
        {
            if (!File.Exists(Path.Combine(cniBinDir, plugin)))
            {
                missing.Add($"CNI plugin {Path.Combine(cniBinDir, plugin)}");
            }
        }

        return missing;
    }

    /// <summary>Throws a message a person can act on when something is missing.</summary>
    public static void Check(string cniBinDir)
    {
        var missing = Missing(cniBinDir);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"the agent needs {string.Join(", ", missing)}; {InstallHint}");
        }
    }

    /// <summary>The full path of a program found on PATH (or the usual sbin directories), or null.</summary>
    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
