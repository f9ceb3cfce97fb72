namespace Timonel.Proxy.Tests.Infrastructure;

/// <summary>A test that programs nftables in network namespaces: skipped, with the reason shown, unless root on Linux with nft, nsenter and busybox.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = "needs root on Linux (network namespaces, nftables)";
        }
        else if (new[] { "/usr/sbin/nft", "/usr/bin/nsenter", "/usr/bin/busybox" }.FirstOrDefault(p => !File.Exists(p)) is { } missing)
        {
            Skip = $"needs {missing}: apt-get install nftables util-linux busybox-static";
        }
    }
}
