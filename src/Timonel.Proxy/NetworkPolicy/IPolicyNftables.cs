using System.Diagnostics;
using Timonel.Proxy.Nft;

namespace Timonel.Proxy.NetworkPolicy;

/// <summary>The kernel as the policy controller uses it (a fake in unit tests).</summary>
public interface IPolicyNftables
{
    /// <summary>Applies a script as one atomic transaction.</summary>
    /// <exception cref="NftException">nft or the kernel refused it; nothing of it was applied.</exception>
    Task ApplyAsync(string script, CancellationToken cancellationToken);

    /// <summary>Has the kernel check a script without applying it.</summary>
    /// <exception cref="NftException">nft or the kernel refuses it.</exception>
    Task CheckAsync(string script, CancellationToken cancellationToken);

    /// <summary>
    /// Makes bridged IPv4 traffic pass the inet hooks (net.bridge.bridge-nf-call-iptables=1 in
    /// the node's namespace): pods on one CNI bridge talk at layer 2, and without it their
    /// traffic would never reach the forward hook. Returns an error text when it could not.
    /// </summary>
    Task<string?> EnableBridgeFilteringAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the policy table, if there is one.</summary>
    /// <exception cref="NftException">nft could not.</exception>
    Task DeleteTableAsync(CancellationToken cancellationToken);
}

/// <summary>The real kernel, through nft (and sysctl) in the node's network namespace.</summary>
public sealed class PolicyNftCommand(string nftPath, string? networkNamespace) : IPolicyNftables
{
    private const string BridgeSysctl = "net.bridge.bridge-nf-call-iptables";
    private readonly NftCommand _nft = new(nftPath, networkNamespace);

    public Task ApplyAsync(string script, CancellationToken cancellationToken) => _nft.ApplyAsync(script, cancellationToken);

    public Task CheckAsync(string script, CancellationToken cancellationToken) => _nft.CheckAsync(script, cancellationToken);

    public Task DeleteTableAsync(CancellationToken cancellationToken) => _nft.DeleteTableAsync(PolicyNames.Family, PolicyNames.Table, cancellationToken);

    public async Task<string?> EnableBridgeFilteringAsync(CancellationToken cancellationToken)
    {
        // The setting is per network namespace (kernel 5.3+), so a test node's namespace gets its own.
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] command = ["sysctl", "-qw", $"{BridgeSysctl}=1"];
        if (networkNamespace is null)
        {
            start.FileName = command[0];
        }
        else
        {
            start.FileName = "nsenter";
            start.ArgumentList.Add($"--net={networkNamespace}");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(command[0]);
        }

        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return $"could not start {start.FileName}";
            }

            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode == 0 ? null : $"sysctl {BridgeSysctl}=1 failed ({process.ExitCode}): {(await errors.ConfigureAwait(false)).Trim()} (is br_netfilter loaded?)";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"could not run {start.FileName}: {e.Message}";
        }
    }
}
