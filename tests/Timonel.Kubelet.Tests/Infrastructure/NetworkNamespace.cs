using System.Diagnostics;

namespace Timonel.Kubelet.Tests.Infrastructure;

/// <summary>A network namespace a test creates (ip netns add) with loopback up, deleted on dispose.</summary>
public sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public string Path => $"/var/run/netns/{Name}";

    public static NetworkNamespace Create(string prefix)
    {
        var name = $"{prefix}-{Environment.ProcessId}-{Random.Shared.Next(10000, 99999)}";
        Run("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name);
        ns.Exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Runs a command inside the namespace (nsenter --net, which keeps /sys as it is); returns stdout.</summary>
    public string Exec(params string[] command) => Run(["nsenter", $"--net={Path}", "--", .. command]);

    public void Dispose() => Run("ip", "netns", "delete", Name);

    public static string Run(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed ({process.ExitCode}): {errors}");
        }

        return output;
    }
}
