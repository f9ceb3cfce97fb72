using Grpc.Core;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Native;

namespace Timonel.Kubelet.Runtime;

/// <summary>
/// Stops everything a node agent left running on purpose (k3s' killall): a stopped agent leaves
/// its pods' containers and shims running so that a restart adopts them; this removes them. It
/// starts the agent's own containerd (the data dir's config) so that CRI stops and removes every
/// pod sandbox, which tears down the pod network namespaces through CNI; then it stops that
/// containerd, kills any shim still serving its socket, unmounts what is mounted under the
/// agent's directory and removes the pod cgroups. Only this data dir's agent is touched.
/// </summary>
public sealed partial class NodeTeardown
{
    private static readonly string[] QosClasses = ["Guaranteed", "Burstable", "BestEffort"];
    private readonly string _agentDir;
    private readonly string _cniBinDir;
    private readonly ContainerdPaths _paths;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;

    /// <param name="dataDir">The agent's data dir (the agent's files are in DATA_DIR/agent).</param>
    /// <param name="cniBinDir">Where the CNI plugins are, for containerd to tear the pod networks down.</param>
    /// <param name="loggers">Loggers.</param>
    public NodeTeardown(string dataDir, string cniBinDir, ILoggerFactory loggers)
    {
        _agentDir = Path.Combine(dataDir, "agent");
        _cniBinDir = cniBinDir;
        _paths = new ContainerdPaths(_agentDir);
        _loggers = loggers;
        _log = loggers.CreateLogger("teardown");
    }

    /// <summary>Runs the teardown; safe to run again (a second run finds nothing).</summary>
    public async Task<NodeTeardownResult> RunAsync(CancellationToken cancellationToken)
    {
        var sandboxes = 0;
        if (File.Exists(_paths.Config) && MachineRequirements.FindOnPath("containerd") is not null)
        {
            sandboxes = await RemoveSandboxesAsync(cancellationToken).ConfigureAwait(false);
        }

        var containers = await DeleteRuncContainersAsync(cancellationToken).ConfigureAwait(false);
        var shims = await KillShimsAsync(cancellationToken).ConfigureAwait(false);
        var unmounted = await UnmountUnderAsync(_agentDir, cancellationToken).ConfigureAwait(false);
        return new NodeTeardownResult(sandboxes, containers, shims, unmounted);
    }

    /// <summary>Starts the data dir's containerd (stopping one left running), removes every sandbox, stops it.</summary>
    private async Task<int> RemoveSandboxesAsync(CancellationToken cancellationToken)
    {
        var cgroups = CgroupLayout.Detect();
        var config = ContainerdConfig.Render(_paths, cgroups, PauseImage.Reference, _cniBinDir);
        var containerd = new ContainerdSupervisor(_paths, config, netnsPath: null, _loggers.CreateLogger("containerd"));
        await using (containerd.ConfigureAwait(false))
        {
            await containerd.StartAsync(cancellationToken).ConfigureAwait(false);
            using var cri = new CriClient(_paths.Socket);
            var list = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var sandbox in list.Items)
            {
                try
                {
                    // Stopping a sandbox kills its containers and releases its network (CNI DEL, netns removed).
                    await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox.Id }, cancellationToken: cancellationToken).ConfigureAwait(false);
                    await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.Id }, cancellationToken: cancellationToken).ConfigureAwait(false);
                    LogSandboxRemoved(sandbox.Metadata?.Namespace ?? "", sandbox.Metadata?.Name ?? sandbox.Id);
                }
                catch (RpcException e)
                {
                    LogSandboxFailed(sandbox.Id, e.Status.Detail);
                }

                if (sandbox.Metadata?.Uid is { Length: > 0 } uid)
                {
                    RemovePodCgroups(cgroups, uid);
                }
            }

            return list.Items.Count;
        }
    }

    /// <summary>The pod-level cgroups the kubelet made (containerd removes only the containers' own).</summary>
    private static void RemovePodCgroups(CgroupLayout cgroups, string podUid)
    {
        foreach (var qos in QosClasses)
        {
            foreach (var dir in cgroups.PodDirectories(cgroups.PodParent(qos, podUid)))
            {
                try
                {
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir);
                    }
                }
                catch (IOException)
                {
                    // Still busy: a process of the pod outlived its container; nothing more to do here.
                }
            }
        }
    }

    /// <summary>
    /// Containers runc still holds in the agent's runc root after CRI removed what it knew (a
    /// containerd that could not start, a sandbox it failed to stop): killed and deleted by runc.
    /// </summary>
    private async Task<int> DeleteRuncContainersAsync(CancellationToken cancellationToken)
    {
        var root = Path.Combine(_paths.RuncRoot, "k8s.io");
        if (!Directory.Exists(root) || MachineRequirements.FindOnPath("runc") is not { } runc)
        {
            return 0;
        }

        var count = 0;
        foreach (var id in Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>())
        {
            var start = new System.Diagnostics.ProcessStartInfo(runc) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { "--root", root, "delete", "--force", id })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("runc did not start");
            var error = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode == 0)
            {
                count++;
                LogContainerDeleted(id);
            }
            else
            {
                LogContainerFailed(id, error.Trim());
            }
        }

        return count;
    }

    /// <summary>Shims whose command line serves this agent's containerd socket, and their children.</summary>
    private async Task<int> KillShimsAsync(CancellationToken cancellationToken)
    {
        var shims = ShimPids().ToList();
        foreach (var pid in shims)
        {
            _ = Libc.kill(pid, Libc.SIGKILL);
            LogShimKilled(pid);
        }

        // Their containers are gone already (CRI stop, then runc's force delete above): these are
        // shims left serving nothing. Wait a moment so the unmounts below find them gone.
        for (var i = 0; i < 50 && shims.Any(Libc.IsAlive); i++)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return shims.Count;
    }

    private IEnumerable<int> ShimPids()
    {
        var address = "-address\0" + _paths.Socket + "\0";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (cmdline.Contains("containerd-shim", StringComparison.Ordinal) && cmdline.Contains(address, StringComparison.Ordinal))
            {
                yield return pid;
            }
        }
    }

    /// <summary>Container root filesystems, sandbox shm and pod volumes under the agent's directory, deepest first.</summary>
    private async Task<int> UnmountUnderAsync(string dir, CancellationToken cancellationToken)
    {
        var prefix = dir.TrimEnd('/') + "/";
        var mounts = (await File.ReadAllLinesAsync("/proc/self/mounts", cancellationToken).ConfigureAwait(false))
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 1)
            .Select(f => f[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => m.StartsWith(prefix, StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(m => m.Length)
            .ToList();
        var count = 0;
        foreach (var mount in mounts)
        {
            if (Libc.umount2(mount, Libc.MNT_DETACH) == 0)
            {
                count++;
                LogUnmounted(mount);
            }
        }

        return count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "removed pod sandbox {Namespace}/{Pod}")]
    private partial void LogSandboxRemoved(string @namespace, string pod);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not remove pod sandbox {Id}: {Reason}")]
    private partial void LogSandboxFailed(string id, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "force-deleted container {Id} left in runc's state")]
    private partial void LogContainerDeleted(string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "runc could not delete container {Id}: {Reason}")]
    private partial void LogContainerFailed(string id, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "killed containerd shim pid {Pid}")]
    private partial void LogShimKilled(int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "unmounted {Path}")]
    private partial void LogUnmounted(string path);
}

/// <summary>What a teardown did: sandboxes stopped and removed through CRI, containers runc still knew (force-deleted), shims killed, mounts detached.</summary>
public sealed record NodeTeardownResult(int Sandboxes, int Containers, int Shims, int Unmounted);
