using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Images;

/// <summary>
/// Imports image tarballs (docker-archive or OCI) into the agent's containerd, namespace k8s.io
/// so that CRI sees them, through `ctr images import`. Remembers each tarball's SHA-256 so a
/// tarball dropped in DIR/agent/images is imported once, and again only when it changes. The
/// record also names each tarball's images: they are the node's pinned images (<see cref="PinnedImages"/>),
/// never pulled and never garbage-collected.
/// </summary>
public sealed partial class ImageImporter
{
    private readonly string _socket;
    private readonly string _stateFile;
    private readonly ILogger _log;

    public ImageImporter(string containerdSocket, string stateFile, ILogger log)
    {
        _socket = containerdSocket;
        _stateFile = stateFile;
        _log = log;
    }

    /// <summary>
    /// Imports every *.tar in <paramref name="dir"/> not imported before with the same content;
    /// returns the names of every image of the directory's tarballs (imported now or before).
    /// </summary>
    public async Task<IReadOnlyList<string>> ImportDirectoryAsync(string dir, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var state = await LoadStateAsync(_stateFile, cancellationToken).ConfigureAwait(false);
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.tar").Order(StringComparer.Ordinal))
        {
            var sum = await Sha256Async(file, cancellationToken).ConfigureAwait(false);
            if (state.TryGetValue(Path.GetFullPath(file), out var known) && known.Sha256 == sum)
            {
                names.AddRange(known.Images);
                continue;
            }

            try
            {
                var images = await ImportAsync(file, cancellationToken).ConfigureAwait(false);
                state[Path.GetFullPath(file)] = new ImportRecord(sum, [.. images]);
                names.AddRange(images);
            }
            catch (InvalidOperationException e)
            {
                // One bad tarball must not keep the node from starting.
                LogImportFailed(file, e.Message);
            }
        }

        await SaveStateAsync(state, cancellationToken).ConfigureAwait(false);
        return names;
    }

    /// <summary>Imports one tarball now; returns the image names ctr printed.</summary>
    public async Task<IReadOnlyList<string>> ImportAsync(string tarball, CancellationToken cancellationToken)
    {
        if (!File.Exists(tarball))
        {
            throw new FileNotFoundException($"image tarball {tarball} not found", tarball);
        }

        var started = Stopwatch.GetTimestamp();
        var ctr = Runtime.MachineRequirements.FindOnPath("ctr")
            ?? throw new InvalidOperationException($"ctr (part of containerd) is not installed; {Runtime.MachineRequirements.InstallHint}");
        var start = new ProcessStartInfo(ctr) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-a", _socket, "-n", "k8s.io", "images", "import", "--all-platforms", tarball })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ctr did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ctr images import {tarball} failed: {(await stderr.ConfigureAwait(false)).Trim()}");
        }

        var names = new List<string>();
        foreach (var line in (await stdout.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // ctr prints "unpacking NAME (sha256:...)...done".
            var parts = line.Split(' ');
            if (parts.Length >= 2 && parts[0] == "unpacking")
            {
                names.Add(parts[1]);
            }
        }

        LogImported(tarball, string.Join(", ", names), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return names;
    }

    /// <summary>The images named in an import record (every image imported through it); none when it is absent or damaged.</summary>
    public static async Task<IReadOnlyList<string>> ImportedImagesAsync(string stateFile, CancellationToken cancellationToken) =>
        [.. (await LoadStateAsync(stateFile, cancellationToken).ConfigureAwait(false)).Values.SelectMany(r => r.Images)];

    private static async Task<Dictionary<string, ImportRecord>> LoadStateAsync(string stateFile, CancellationToken cancellationToken)
    {
        if (!File.Exists(stateFile))
        {
            return new Dictionary<string, ImportRecord>(StringComparer.Ordinal);
        }

        try
        {
            await using var file = File.OpenRead(stateFile);
            var state = await JsonSerializer.DeserializeAsync<Dictionary<string, ImportRecord>>(file, cancellationToken: cancellationToken).ConfigureAwait(false);
            return state is null
                ? new Dictionary<string, ImportRecord>(StringComparer.Ordinal)
                : new Dictionary<string, ImportRecord>(state.Where(kv => kv.Value is { Sha256: not null, Images: not null }), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            // A damaged (or older, names-less) record only costs one re-import.
            return new Dictionary<string, ImportRecord>(StringComparer.Ordinal);
        }
    }

    private async Task SaveStateAsync(Dictionary<string, ImportRecord> state, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_stateFile)!);
        var temp = _stateFile + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(state), cancellationToken).ConfigureAwait(false);
        File.Move(temp, _stateFile, overwrite: true);
    }

    private static async Task<string> Sha256Async(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One imported tarball: its content hash and the image names ctr reported.</summary>
    private sealed record ImportRecord(string Sha256, List<string> Images);

    [LoggerMessage(Level = LogLevel.Information, Message = "imported {File} ({Images}) in {Ms:F0} ms")]
    private partial void LogImported(string file, string images, double ms);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot import {File}: {Reason}")]
    private partial void LogImportFailed(string file, string reason);
}
