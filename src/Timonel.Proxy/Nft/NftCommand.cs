using System.Diagnostics;
using System.Text.Json;

namespace Timonel.Proxy.Nft;

/// <summary>
/// Runs Debian's `nft` binary, inside the node's network namespace when one is set (through
/// `nsenter --net=PATH`, which, unlike `ip netns exec`, leaves /sys alone).
/// </summary>
public sealed class NftCommand(string nftPath, string? networkNamespace) : INftables
{
    public async Task ApplyAsync(string script, CancellationToken cancellationToken)
    {
        await RunAsync(["-f", "-"], script, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Has the kernel check a script without committing it (`nft -c -f -`).</summary>
    /// <exception cref="NftException">The kernel (or nft) refuses the script.</exception>
    public async Task CheckAsync(string script, CancellationToken cancellationToken)
    {
        await RunAsync(["-c", "-f", "-"], script, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<string>> ListObjectsAsync(CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var what in new[] { "chains", "sets" })
        {
            var json = await RunAsync(["-j", "list", what, NftNames.Family], null, cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(json);
            foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
            {
                foreach (var property in item.EnumerateObject())
                {
                    if (property.Name is "chain" or "set"
                        && property.Value.TryGetProperty("table", out var table) && table.GetString() == NftNames.Table
                        && property.Value.TryGetProperty("name", out var name) && name.GetString() is { } text)
                    {
                        names.Add(text);
                    }
                }
            }
        }

        return names;
    }

    public Task DeleteTableAsync(CancellationToken cancellationToken) => DeleteTableAsync(NftNames.Family, NftNames.Table, cancellationToken);

    /// <summary>Deletes a table, if present.</summary>
    public async Task DeleteTableAsync(string family, string table, CancellationToken cancellationToken)
    {
        // "destroy" needs nft 1.0.8; adding first makes the delete succeed when the table is absent.
        await RunAsync(["-f", "-"], $"add table {family} {table}\ndelete table {family} {table}\n", cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> RunAsync(string[] args, string? stdin, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (networkNamespace is null)
        {
            start.FileName = nftPath;
        }
        else
        {
            start.FileName = "nsenter";
            start.ArgumentList.Add($"--net={networkNamespace}");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(nftPath);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new NftException($"could not start {start.FileName}");
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }

            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new NftException($"nft {string.Join(' ', args)} failed ({process.ExitCode}): {(await errors.ConfigureAwait(false)).Trim()}");
            }

            return await output.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A transaction is atomic: killing nft mid-way leaves the old rules in place.
            process.Kill();
            throw;
        }
    }
}
