using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// What a stopped agent can leave behind, found through its own data dir only (so another
/// agent's containers on the same machine are never touched): containers in its runc root, the
/// shims serving its containerd socket, the pod network namespaces and pod cgroups those
/// containers used, CNI's result cache files for its sandboxes, and its containerd if that
/// outlived the agent.
/// </summary>
internal static class AgentLeftovers
{
    public static async Task RemoveAsync(AgentProcess agent)
    {
        await StopContainerdAsync(agent);
        var containers = ReadContainers(agent.RuncStateDir);
        foreach (var container in containers)
        {
            await HostCommand.RunAsync(["runc", "--root", agent.RuncStateDir, "delete", "--force", container.Id]);
        }

        // Tasks whose runc state is already gone still have their bundle (OCI spec) in containerd's state dir.
        containers.AddRange(ReadBundles(Path.Combine(agent.DataDir, "agent", "containerd", "state", "io.containerd.runtime.v2.task", "k8s.io")));

        foreach (var pid in ShimPids(agent.ContainerdSocket))
        {
            PosixSignals.Send(pid, 9);
        }

        await UnmountUnderAsync(agent.DataDir);
        foreach (var netns in containers.Select(c => c.NetnsPath).OfType<string>().Distinct())
        {
            if (netns.StartsWith("/var/run/netns/", StringComparison.Ordinal) && File.Exists(netns))
            {
                await HostCommand.RunAsync(["ip", "netns", "delete", Path.GetFileName(netns)]);
            }
        }

        foreach (var container in containers)
        {
            TryDeleteFile($"/var/lib/cni/results/timonel-{container.Id}-eth0");
            TryDeleteFile($"/var/lib/cni/results/cni-loopback-{container.Id}-lo");
            foreach (var cgroup in container.CgroupPaths)
            {
                // runc delete removed the container's own cgroup; the pod's (its parent) is the kubelet's to remove.
                TryDeleteDirectory(cgroup);
                if (Path.GetFileName(Path.GetDirectoryName(cgroup)) is { } parent && parent.StartsWith("pod", StringComparison.Ordinal))
                {
                    TryDeleteDirectory(Path.GetDirectoryName(cgroup)!);
                }
            }
        }
    }

    /// <summary>Container rootfs overlays and sandbox shm mounts left under the data dir, deepest first.</summary>
    private static async Task UnmountUnderAsync(string dir)
    {
        var prefix = dir.TrimEnd('/') + "/";
        var mounts = File.ReadAllLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 1)
            .Select(f => f[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => m.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)
            .ToList();
        foreach (var mount in mounts)
        {
            await HostCommand.RunAsync(["umount", "-l", mount]);
        }
    }

    /// <summary>The OCI bundles containerd keeps per task: their network namespace and cgroup, read from config.json.</summary>
    private static IEnumerable<LeftoverContainer> ReadBundles(string taskDir)
    {
        if (!Directory.Exists(taskDir))
        {
            yield break;
        }

        foreach (var dir in Directory.GetDirectories(taskDir))
        {
            JsonNode? spec = null;
            try
            {
                var path = Path.Combine(dir, "config.json");
                spec = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
            }

            var netns = spec?["linux"]?["namespaces"]?.AsArray()
                .FirstOrDefault(n => n?["type"]?.GetValue<string>() == "network")?["path"]?.GetValue<string>();
            var cgroupsPath = spec?["linux"]?["cgroupsPath"]?.GetValue<string>();
            var cgroups = cgroupsPath is { Length: > 0 } && cgroupsPath.StartsWith('/') && Directory.Exists("/sys/fs/cgroup")
                ? (File.Exists("/sys/fs/cgroup/cgroup.controllers") ? ["/sys/fs/cgroup" + cgroupsPath] : Directory.GetDirectories("/sys/fs/cgroup").Select(h => h + cgroupsPath).ToList())
                : [];
            yield return new LeftoverContainer(Path.GetFileName(dir), string.IsNullOrEmpty(netns) ? null : netns, cgroups);
        }
    }

    private static async Task StopContainerdAsync(AgentProcess agent)
    {
        var pidFile = Path.Combine(agent.DataDir, "agent", "containerd", "containerd.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        var config = Path.Combine(agent.DataDir, "agent", "containerd", "config.toml");
        if (!CommandLineOf(pid).Contains(config, StringComparison.Ordinal))
        {
            return;
        }

        PosixSignals.Send(pid, PosixSignals.SigTerm);
        for (var i = 0; i < 100 && Directory.Exists($"/proc/{pid}"); i++)
        {
            await Task.Delay(50);
        }

        PosixSignals.Send(pid, 9);
    }

    private static List<LeftoverContainer> ReadContainers(string runcStateDir)
    {
        var found = new List<LeftoverContainer>();
        if (!Directory.Exists(runcStateDir))
        {
            return found;
        }

        foreach (var dir in Directory.GetDirectories(runcStateDir))
        {
            var statePath = Path.Combine(dir, "state.json");
            JsonNode? state = null;
            try
            {
                state = File.Exists(statePath) ? JsonNode.Parse(File.ReadAllText(statePath)) : null;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // A half-written state file: still delete the container by id.
            }

            var netns = state?["config"]?["namespaces"]?.AsArray()
                .FirstOrDefault(n => n?["type"]?.GetValue<string>() is "NEWNET" or "network")?["path"]?.GetValue<string>();
            var cgroups = state?["cgroup_paths"]?.AsObject().Select(p => p.Value?.GetValue<string>()).OfType<string>().Distinct().ToList() ?? [];
            found.Add(new LeftoverContainer(Path.GetFileName(dir), string.IsNullOrEmpty(netns) ? null : netns, cgroups));
        }

        return found;
    }

    /// <summary>containerd-shim processes whose command line names this agent's containerd socket.</summary>
    private static IEnumerable<int> ShimPids(string socket)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                var cmdline = CommandLineOf(pid);
                if (cmdline.Contains("containerd-shim", StringComparison.Ordinal) && cmdline.Contains(socket, StringComparison.Ordinal))
                {
                    yield return pid;
                }
            }
        }
    }

    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still busy or not empty: a cgroup with processes cannot go yet.
        }
    }

    private sealed record LeftoverContainer(string Id, string? NetnsPath, IReadOnlyList<string> CgroupPaths);
}
