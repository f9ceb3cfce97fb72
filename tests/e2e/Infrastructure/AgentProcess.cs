using System.Diagnostics;
using System.Globalization;
using Timonel.Kubelet.Images;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// One `./timonel agent` child process inside a host namespace of a <see cref="NetworkTopology"/>,
/// with its own data dir (containerd root, state, socket, runc root, CNI IPAM state, images).
/// The busybox test image is placed in DATA_DIR/agent/images before the first start, so the agent
/// imports it as it does any air-gapped tarball.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    /// <summary>The image every agent of the fixtures holds: busybox-static with its applets (httpd, wget, sleep).</summary>
    public const string BusyboxImage = "docker.io/library/busybox:timonel-e2e";

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    private Process? process;
    private Action? relaunch;

    private AgentProcess(string nodeName, NetworkHost host, string rootDir)
    {
        NodeName = nodeName;
        Host = host;
        RootDir = rootDir;
    }

    public string NodeName { get; }

    /// <summary>The agent's process (the launcher execs dotnet, so this is the agent itself), or null when stopped.</summary>
    public int? ProcessId => process is { HasExited: false } p ? p.Id : null;

    public NetworkHost Host { get; }

    /// <summary>Temp directory of this agent: its data dir and log.</summary>
    public string RootDir { get; }

    public string DataDir => Path.Combine(RootDir, "data");

    public string LogPath => Path.Combine(RootDir, "agent.log");

    /// <summary>runc's state directory for containerd's k8s.io namespace under this agent's data dir.</summary>
    public string RuncStateDir => Path.Combine(DataDir, "agent", "containerd", "runc", "k8s.io");

    public string ContainerdSocket => Path.Combine(DataDir, "agent", "containerd", "containerd.sock");

    public bool IsRunning => process is { HasExited: false };

    /// <summary>Creates the data dir with the test image in it and starts the agent.</summary>
    public static async Task<AgentProcess> StartAsync(string nodeName, NetworkHost host, Uri server, string token, IReadOnlyList<string> extraArgs)
    {
        var agent = new AgentProcess(nodeName, host, Directory.CreateTempSubdirectory($"timonel-agent-{nodeName}-").FullName);
        var images = Path.Combine(agent.DataDir, "agent", "images");
        Directory.CreateDirectory(images);
        ImageBuilder.Busybox(BusyboxImage).WriteDockerArchive(Path.Combine(images, "busybox.tar"));
        agent.relaunch = () => agent.Launch(server, token, extraArgs);
        agent.relaunch();
        await Task.CompletedTask;
        return agent;
    }

    /// <summary>Stops the agent and starts it again on the same data dir, as an operator would.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        relaunch!();
    }

    /// <summary>
    /// The network namespace of a running pod, as /proc/PID/ns/net of one of its processes (any
    /// container, the sandbox included), found through this agent's runc state and the CRI
    /// annotations of each OCI bundle; null when the pod runs no process here.
    /// </summary>
    public async Task<string?> PodNetnsAsync(string ns, string podName)
    {
        // Each container's runc state is read on its own (what `runc list` does for all at once,
        // failing as a whole when one container is being created or deleted meanwhile, as the pods
        // of an earlier test's namespace may be): one that vanishes mid-read is skipped.
        if (!Directory.Exists(RuncStateDir))
        {
            return null;
        }

        foreach (var dir in Directory.EnumerateDirectories(RuncStateDir))
        {
            try
            {
                var state = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "state.json")));
                var pid = state?["init_process_pid"]?.GetValue<int>() ?? 0;
                var bundle = state?["config"]?["labels"]?.AsArray().Select(l => l?.GetValue<string>()).FirstOrDefault(l => l?.StartsWith("bundle=", StringComparison.Ordinal) == true)?["bundle=".Length..];
                if (pid <= 0 || bundle is null || !Directory.Exists($"/proc/{pid}"))
                {
                    continue;
                }

                var annotations = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(bundle, "config.json")))?["annotations"];
                if (annotations?["io.kubernetes.cri.sandbox-name"]?.GetValue<string>() == podName
                    && annotations["io.kubernetes.cri.sandbox-namespace"]?.GetValue<string>() == ns)
                {
                    return $"/proc/{pid}/ns/net";
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
            {
                // Created or deleted while read.
            }
        }

        return null;
    }

    /// <summary>SIGTERM by PID (the agent stops its containerd; containers keep running), SIGKILL after the grace period.</summary>
    public async Task StopAsync()
    {
        if (process is not null)
        {
            await ChildProcess.StopAsync(process, StopGrace);
            process.Dispose();
            process = null;
        }
    }

    /// <summary>The last lines the agent wrote, for assertion messages.</summary>
    public string LogTail(int lines = 40)
    {
        if (!File.Exists(LogPath))
        {
            return "(no agent log)";
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    /// <summary>What the agent logged since it was last started (the log holds every start).</summary>
    public string LogSinceStart()
    {
        var log = LogTail(int.MaxValue);
        var start = log.LastIndexOf("==== start ", StringComparison.Ordinal);
        return start < 0 ? log : log[start..];
    }

    /// <summary>
    /// Stops the agent and removes whatever it left on the machine: its containerd (if it outlived
    /// the agent), every container of its runc root, their shims, the pod network namespaces
    /// (/var/run/netns/cni-*), the CNI result cache and pod cgroups, then the data dir.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await AgentLeftovers.RemoveAsync(this);
        try
        {
            Directory.Delete(RootDir, recursive: true);
        }
        catch (IOException)
        {
            // A busy mount or file left by a dying shim: a leftover temp dir is harmless.
        }
    }

    private void Launch(Uri server, string token, IReadOnlyList<string> extraArgs)
    {
        var start = new ProcessStartInfo("nsenter") { UseShellExecute = false };
        // nsenter --net execs the shell and the shell execs the launcher: one PID from here to dotnet.
        start.ArgumentList.Add($"--net={Host.NetnsPath}");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=\"$1\"; launcher=\"$0\"; shift 2; exec \"$launcher\" agent \"$@\" >>\"$log\" 2>&1 </dev/null");
        start.ArgumentList.Add(RepoRoot.Launcher);
        start.ArgumentList.Add(LogPath);
        start.ArgumentList.Add("--");
        foreach (var arg in new[]
        {
            "--server", server.ToString().TrimEnd('/'),
            "--token", token,
            "--node-name", NodeName,
            "--node-ip", Host.Address?.ToString() ?? throw new InvalidOperationException("an agent's host needs an address"),
            "--data-dir", DataDir,
        }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        File.AppendAllText(LogPath, $"==== start {DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)}\n");
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start timonel agent");
    }
}
