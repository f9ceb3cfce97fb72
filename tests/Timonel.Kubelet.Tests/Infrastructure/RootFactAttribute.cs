namespace Timonel.Kubelet.Tests.Infrastructure;

/// <summary>A test that runs containerd, CNI and network namespaces: skipped, with the reason shown, unless root on Linux with containerd installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = "needs root on Linux (network namespaces, containerd, cgroups)";
        }
        else if (Runtime.MachineRequirements.Missing("/usr/lib/cni") is { Count: > 0 } missing)
        {
            Skip = $"needs {string.Join(", ", missing)}: {Runtime.MachineRequirements.InstallHint}";
        }
    }
}
