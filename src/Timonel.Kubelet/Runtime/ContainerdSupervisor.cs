using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Native;

namespace Timonel.Kubelet.Runtime;

/// <summary>
/// Runs the agent's own containerd as a child process with a generated config, waits until its
/// CRI socket answers, restarts it when it dies and stops it by PID. Containers outlive it: their
/// shims keep running and a new containerd picks them up again.
/// </summary>
public sealed partial class ContainerdSupervisor : IAsyncDisposable
{
    private readonly ContainerdPaths _paths;
    private readonly string _configText;
    private readonly string? _netnsPath;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private Process? _process;
    private Task? _monitor;

    /// <param name="netnsPath">When set, containerd runs in this network namespace (entered with nsenter --net).</param>
    public ContainerdSupervisor(ContainerdPaths paths, string configText, string? netnsPath, ILogger log)
    {
        _paths = paths;
        _configText = configText;
        _netnsPath = netnsPath;
        _log = log;
    }

    /// <summary>The PID of the running containerd, or 0.</summary>
    public int Pid => _process is { HasExited: false } p ? p.Id : 0;

    public string SocketPath => _paths.Socket;

    private string PidFile => Path.Combine(_paths.Base, "containerd.pid");

    /// <summary>Writes the config, starts containerd and returns once its CRI service answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var dir in new[] { _paths.Base, _paths.Root, _paths.State, _paths.Opt, _paths.RuncRoot, _paths.CniConfDir })
        {
            Directory.CreateDirectory(dir);
        }

        await File.WriteAllTextAsync(_paths.Config, _configText, cancellationToken).ConfigureAwait(false);
        await StopLeftoverAsync(cancellationToken).ConfigureAwait(false);
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
        _monitor = Task.Run(() => MonitorAsync(_stopping.Token), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_monitor is not null)
        {
            await _monitor.ConfigureAwait(false);
        }

        if (_process is not null)
        {
            await TerminateAsync(_process.Id, _process, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            _process.Dispose();
        }

        TryDelete(PidFile);
        _stopping.Dispose();
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        TryDelete(_paths.Socket);
        var containerd = MachineRequirements.FindOnPath("containerd")
            ?? throw new InvalidOperationException($"containerd is not installed; {MachineRequirements.InstallHint}");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // exec keeps the PID: the shell only redirects containerd's output to its log file.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$TIMONEL_CONTAINERD_LOG\" 2>&1 </dev/null");
        if (_netnsPath is not null)
        {
            // nsenter, not "ip netns exec": the latter remounts /sys and hides the cgroup hierarchies from runc.
            start.ArgumentList.Add(MachineRequirements.FindOnPath("nsenter") ?? "nsenter");
            start.ArgumentList.Add($"--net={_netnsPath}");
            start.ArgumentList.Add("--");
        }

        start.ArgumentList.Add(containerd);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(_paths.Config);
        start.Environment["TIMONEL_CONTAINERD_LOG"] = _paths.Log;
        var process = Process.Start(start) ?? throw new InvalidOperationException("containerd did not start");
        _process = process;
        await File.WriteAllTextAsync(PidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        LogStarted(process.Id, _paths.Socket);
        await WaitUntilServingAsync(process, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitUntilServingAsync(Process process, CancellationToken cancellationToken)
    {
        using var cri = new CriClient(_paths.Socket);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"containerd exited with code {process.ExitCode} at start; see {_paths.Log}");
            }

            if (File.Exists(_paths.Socket))
            {
                try
                {
                    await cri.Runtime.VersionAsync(new VersionRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (RpcException) when (DateTime.UtcNow < deadline)
                {
                    // Socket created but CRI plugin not loaded yet.
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"containerd did not answer on {_paths.Socket} within 30 s; see {_paths.Log}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task MonitorAsync(CancellationToken stopping)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _process!.WaitForExitAsync(stopping).ConfigureAwait(false);
                LogDied(_process.ExitCode, delay.TotalSeconds);
                _process.Dispose();
                _process = null;
                await Task.Delay(delay, stopping).ConfigureAwait(false);
                await LaunchAsync(stopping).ConfigureAwait(false);
                delay = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidOperationException e)
            {
                LogRestartFailed(e.Message);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
                if (_process is null)
                {
                    try
                    {
                        await Task.Delay(delay, stopping).ConfigureAwait(false);
                        await LaunchAsync(stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (InvalidOperationException again)
                    {
                        LogRestartFailed(again.Message);
                    }
                }
            }
        }
    }

    /// <summary>A containerd of this data dir left by an agent that died: stop it, or the new one cannot open its database.</summary>
    private async Task StopLeftoverAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(PidFile) || !int.TryParse(await File.ReadAllTextAsync(PidFile, cancellationToken).ConfigureAwait(false), out var pid))
        {
            return;
        }

        string cmdline;
        try
        {
            cmdline = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline", cancellationToken).ConfigureAwait(false)).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return;
        }

        if (cmdline.Contains(_paths.Config, StringComparison.Ordinal))
        {
            LogLeftover(pid);
            await TerminateAsync(pid, null, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    private static async Task TerminateAsync(int pid, Process? process, TimeSpan grace)
    {
        if (process is { HasExited: true } || !Libc.IsAlive(pid))
        {
            return;
        }

        _ = Libc.kill(pid, Libc.SIGTERM);
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline)
        {
            if (process is not null ? process.HasExited : !Libc.IsAlive(pid))
            {
                return;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        _ = Libc.kill(pid, Libc.SIGKILL);
        if (process is not null)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Not there or busy: harmless.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "containerd started (pid {Pid}, socket {Socket})")]
    private partial void LogStarted(int pid, string socket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "containerd exited with code {Code}; restarting in {Seconds} s")]
    private partial void LogDied(int code, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "containerd restart failed: {Reason}")]
    private partial void LogRestartFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stopping containerd pid {Pid} left by a previous agent")]
    private partial void LogLeftover(int pid);
}
