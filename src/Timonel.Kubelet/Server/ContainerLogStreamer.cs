namespace Timonel.Kubelet.Server;

/// <summary>
/// Writes a container's CRI log file as plain text the way `kubectl logs` shows it: tail,
/// since, timestamps and limitBytes applied; in follow mode it keeps reading as the file grows,
/// moves on to the new file when the kubelet rotates it, and ends once the container stopped.
/// </summary>
internal sealed class ContainerLogStreamer(string path, LogRequest request, Stream output, Func<CancellationToken, Task<bool>> isRunning)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RunningCheckInterval = TimeSpan.FromSeconds(1);

    private readonly MemoryStream _pending = new();
    private long _written;

    public async Task RunAsync(CancellationToken ct)
    {
        var file = Open(path);
        if (file is null)
        {
            return;
        }

        try
        {
            var lines = SplitComplete(await ReadNewAsync(file, ct).ConfigureAwait(false));
            var start = request.TailLines is { } tail ? Math.Max(0, lines.Count - (int)Math.Min(tail, int.MaxValue)) : 0;
            if (!await WriteLinesAsync(lines.Skip(start), ct).ConfigureAwait(false) || !request.Follow)
            {
                return;
            }

            var lastRunningCheck = DateTime.UtcNow;
            while (!ct.IsCancellationRequested)
            {
                var fresh = await ReadNewAsync(file, ct).ConfigureAwait(false);
                if (fresh.Length > 0)
                {
                    if (!await WriteLinesAsync(SplitComplete(fresh), ct).ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }

                if (Rotated(file))
                {
                    // The runtime writes to a new file now; the old one holds nothing more.
                    await file.DisposeAsync().ConfigureAwait(false);
                    file = Open(path);
                    if (file is null)
                    {
                        return;
                    }

                    continue;
                }

                if (DateTime.UtcNow - lastRunningCheck > RunningCheckInterval)
                {
                    lastRunningCheck = DateTime.UtcNow;
                    if (!await isRunning(ct).ConfigureAwait(false))
                    {
                        // Whatever the container wrote before it stopped is shown, then the stream ends.
                        await WriteLinesAsync(SplitComplete(await ReadNewAsync(file, ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
                        return;
                    }
                }

                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static FileStream? Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>A file at the path shorter than what was read from the open one is a new file.</summary>
    private bool Rotated(FileStream file)
    {
        var current = new FileInfo(path);
        return current.Exists && current.Length < file.Position;
    }

    private static async Task<byte[]> ReadNewAsync(FileStream file, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The complete lines of what was read so far; an unfinished last line waits for its newline.</summary>
    private List<ReadOnlyMemory<byte>> SplitComplete(byte[] fresh)
    {
        _pending.Write(fresh);
        var all = _pending.ToArray();
        var lines = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (all[i] == (byte)'\n')
            {
                lines.Add(all.AsMemory(start, i - start));
                start = i + 1;
            }
        }

        _pending.SetLength(0);
        _pending.Write(all, start, all.Length - start);
        return lines;
    }

    /// <summary>Writes the lines that pass the filters; false once limitBytes is reached.</summary>
    private async Task<bool> WriteLinesAsync(IEnumerable<ReadOnlyMemory<byte>> lines, CancellationToken ct)
    {
        using var batch = new MemoryStream();
        var more = true;
        foreach (var raw in lines)
        {
            if (!CriLogLine.TryParse(raw, out var line) || (request.Since is { } since && line.Time < since))
            {
                continue;
            }

            if (request.Timestamps)
            {
                batch.Write(line.TimeText.Span);
                batch.WriteByte((byte)' ');
            }

            batch.Write(line.Content.Span);
            if (!line.Partial)
            {
                batch.WriteByte((byte)'\n');
            }

            if (request.LimitBytes is { } limit && _written + batch.Length >= limit)
            {
                batch.SetLength(limit - _written);
                more = false;
                break;
            }

        }

        if (batch.Length > 0)
        {
            _written += batch.Length;
            await output.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), ct).ConfigureAwait(false);
            await output.FlushAsync(ct).ConfigureAwait(false);
        }

        return more;
    }
}
