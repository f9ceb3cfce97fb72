namespace Timonel.Proxy.Tests.Infrastructure;

/// <summary>A network namespace the test creates (loopback up), deleted on dispose.</summary>
internal sealed class Netns : IDisposable
{
    private Netns(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public string Path => $"/var/run/netns/{Name}";

    public static Netns Create(string prefix)
    {
        var name = $"{prefix}-{Environment.ProcessId}-{Random.Shared.Next(1000, 9999)}";
        Shell.Run("ip", "netns", "add", name);
        var ns = new Netns(name);
        ns.Exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>The command line that runs a program inside this namespace (nsenter --net keeps /sys as it is).</summary>
    public string[] Command(params string[] command) => ["nsenter", $"--net={Path}", "--", .. command];

    public string Exec(params string[] command) => Shell.Run(Command(command));

    public void Dispose() => Shell.Run("ip", "netns", "delete", Name);
}
