using Timonel.Api.Images;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Images;

/// <summary>
/// Upstream's image garbage collection (ImageGCManager). Every <see cref="ImageGcPolicy.Period"/>
/// it detects the runtime's images — recording when each was first seen and, for those any
/// container uses (running or not), that it was used now — then removes images unused for longer
/// than the maximum age, and, when the image filesystem is at or above the high threshold, removes
/// least recently used images until it is down to the low one. Never removed: an image a container
/// uses, a pinned image (the runtime's pin, the pause image, images imported from
/// DATA_DIR/agent/images), an image first seen less than the minimum age ago. When it cannot free
/// enough it records upstream's FreeDiskSpaceFailed warning on the Node, and ImageGCFailed when
/// that repeats. Calls are serialized; the records are kept in <see cref="ImageUsageFile"/>.
/// </summary>
public sealed partial class ImageGcManager
{
    private readonly IImageService _images;
    private readonly IContainerRuntime _containers;
    private readonly PinnedImages _pinned;
    private readonly IFilesystemStats _fs;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Action<string, string, string> _nodeEvent;
    private readonly string? _usageFile;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, ImageUsage>? _records;
    private bool _previousFailed;

    /// <param name="nodeEvent">Records an event on the Node: type, reason, message.</param>
    /// <param name="usageFile">Where the records are kept across restarts and for `timonel images ls`; null keeps them in memory only.</param>
    public ImageGcManager(IImageService images, IContainerRuntime containers, PinnedImages pinned, IFilesystemStats fs, ImageGcPolicy policy, TimeProvider time, ILogger log, Action<string, string, string>? nodeEvent = null, string? usageFile = null)
    {
        _images = images;
        _containers = containers;
        _pinned = pinned;
        _fs = fs;
        Policy = policy;
        _time = time;
        _log = log;
        _nodeEvent = nodeEvent ?? ((_, _, _) => { });
        _usageFile = usageFile;
    }

    public ImageGcPolicy Policy { get; }

    /// <summary>Collects now, then every period, until cancelled; a failed collection is logged and reported, never thrown.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        NodeLoop.RunAsync(CollectAndReportAsync, Policy.Period, _time, RuntimeUnavailable, cancellationToken);

    /// <summary>The runtime restarting is no reason to stop collecting: logged, and the next period tries again.</summary>
    private bool RuntimeUnavailable(Exception e)
    {
        if (e is not RpcException rpc)
        {
            return false;
        }

        LogRuntimeUnavailable(rpc.Status.Detail);
        return true;
    }

    /// <summary>One collection as the kubelet's loop runs it: true when it freed what the policy asks; a failure that repeats the previous one records ImageGCFailed on the Node.</summary>
    public async Task<bool> CollectAndReportAsync(CancellationToken cancellationToken)
    {
        try
        {
            await GarbageCollectAsync(cancellationToken).ConfigureAwait(false);
            _previousFailed = false;
            return true;
        }
        catch (ImageGcException e)
        {
            if (_previousFailed)
            {
                LogFailedAgain(e.Message);
                _nodeEvent("Warning", "ImageGCFailed", e.Message);
            }
            else
            {
                LogFailedOnce(e.Message);
            }

            _previousFailed = true;
            return false;
        }
    }

    /// <summary>
    /// Removes images older than the maximum age, then, when the image filesystem is at or above
    /// the high threshold, least recently used images down to the low one. Throws
    /// <see cref="ImageGcException"/> (after recording FreeDiskSpaceFailed or InvalidDiskCapacity) when it cannot.
    /// </summary>
    public async Task GarbageCollectAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var candidates = await CandidatesAsync(now, cancellationToken).ConfigureAwait(false);
            if (Policy.MaxAge > TimeSpan.Zero)
            {
                foreach (var image in candidates.Where(i => now - i.LastUseOrDetected > Policy.MaxAge).ToList())
                {
                    if (await RemoveAsync(image, "unused for longer than --image-maximum-gc-age", cancellationToken).ConfigureAwait(false))
                    {
                        candidates.Remove(image);
                    }
                }
            }

            var fs = await _fs.ImageFsAsync(cancellationToken).ConfigureAwait(false);
            if (fs.CapacityBytes <= 0)
            {
                const string message = "invalid capacity 0 on image filesystem";
                _nodeEvent("Warning", "InvalidDiskCapacity", message);
                throw new ImageGcException(message);
            }

            if (fs.UsagePercent < Policy.HighThresholdPercent)
            {
                return;
            }

            var available = Math.Min(fs.AvailableBytes, fs.CapacityBytes);
            var toFree = (fs.CapacityBytes * (100 - Policy.LowThresholdPercent) / 100) - available;
            LogOverThreshold(fs.UsagePercent, Policy.HighThresholdPercent, toFree);
            var freed = await FreeAsync(candidates, toFree, now, cancellationToken).ConfigureAwait(false);
            if (freed < toFree)
            {
                var message = $"Failed to garbage collect required amount of images. Attempted to free {toFree} bytes, but only found {freed} bytes eligible to free.";
                _nodeEvent("Warning", "FreeDiskSpaceFailed", message);
                throw new ImageGcException(message);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes every image that may go (unused, unpinned, older than the minimum age), whatever the usage: the eviction manager's reclaim under disk pressure. Returns the bytes freed.</summary>
    public async Task<long> DeleteUnusedImagesAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var candidates = await CandidatesAsync(now, cancellationToken).ConfigureAwait(false);
            return await FreeAsync(candidates, long.MaxValue, now, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Detects the runtime's images now and returns what the kubelet knows of each.</summary>
    public async Task<IReadOnlyList<ImageUsage>> DetectAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var detected = await DetectLockedAsync(_time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return [.. detected.Select(d => d.Usage)];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The images that may go, least recently used first (ties: first detected first).</summary>
    private async Task<List<ImageUsage>> CandidatesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var detected = await DetectLockedAsync(now, cancellationToken).ConfigureAwait(false);
        return [.. detected
            .Where(d => !d.InUse && !d.Usage.Pinned)
            .Select(d => d.Usage)
            .OrderBy(u => u.LastUseOrDetected)
            .ThenBy(u => u.FirstDetected)
            .ThenBy(u => u.Id, StringComparer.Ordinal)];
    }

    private async Task<long> FreeAsync(List<ImageUsage> candidates, long toFree, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long freed = 0;
        foreach (var image in candidates)
        {
            if (freed >= toFree)
            {
                break;
            }

            // A just-pulled image has not had its container created yet: the minimum age keeps it.
            if (now - image.FirstDetected < Policy.MinAge)
            {
                continue;
            }

            if (await RemoveAsync(image, "image filesystem over --image-gc-high-threshold", cancellationToken).ConfigureAwait(false))
            {
                freed += image.SizeBytes;
            }
        }

        return freed;
    }

    private async Task<bool> RemoveAsync(ImageUsage image, string why, CancellationToken cancellationToken)
    {
        try
        {
            await _images.RemoveImageAsync(image.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            // Removal races a container being created from it; the next collection looks again.
            LogRemoveFailed(image.Id, e.Status.Detail);
            return false;
        }

        LogRemoved(image.Id, string.Join(",", image.Tags), image.SizeBytes, why);
        _records?.Remove(image.Id);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<List<(ImageUsage Usage, bool InUse)>> DetectLockedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        _records ??= _usageFile is null ? [] : (await ImageUsageFile.ReadAsync(_usageFile, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id, StringComparer.Ordinal);
        var images = await _images.ListImagesAsync(cancellationToken).ConfigureAwait(false);

        // Every container counts, running or exited, as upstream: an exited one restarts from its image.
        var containers = await _containers.ListContainersAsync(null, cancellationToken).ConfigureAwait(false);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in containers)
        {
            used.Add(container.ImageRef);
            if (container.Image?.Image is { Length: > 0 } name)
            {
                used.Add(name);
                used.Add(ImageReference.Normalize(name));
            }
        }

        var result = new List<(ImageUsage, bool)>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            present.Add(image.Id);
            var inUse = used.Contains(image.Id) || image.RepoTags.Any(used.Contains) || image.RepoDigests.Any(used.Contains);
            var pinned = image.Pinned;
            foreach (var tag in image.RepoTags)
            {
                pinned = pinned || await _pinned.ContainsAsync(tag, cancellationToken).ConfigureAwait(false);
            }

            _records.TryGetValue(image.Id, out var old);
            var usage = new ImageUsage(image.Id, [.. image.RepoTags], (long)image.Size, pinned, old?.FirstDetected ?? now, inUse ? now : old?.LastUsed);
            _records[image.Id] = usage;
            result.Add((usage, inUse));
        }

        foreach (var gone in _records.Keys.Where(id => !present.Contains(id)).ToList())
        {
            _records.Remove(gone);
        }

        await SaveAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (_usageFile is not null && _records is not null)
        {
            await ImageUsageFile.WriteAsync(_usageFile, _records.Values, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "image filesystem {Usage}% used, at or above the high threshold {High}%: freeing {Bytes} bytes of images")]
    private partial void LogOverThreshold(int usage, int high, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed image {Id} ({Tags}, {Size} bytes): {Why}")]
    private partial void LogRemoved(string id, string tags, long size, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not remove image {Id}: {Reason}")]
    private partial void LogRemoveFailed(string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "image garbage collection failed once: {Reason}")]
    private partial void LogFailedOnce(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "image garbage collection failed multiple times in a row: {Reason}")]
    private partial void LogFailedAgain(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "image garbage collection skipped: the runtime does not answer: {Reason}")]
    private partial void LogRuntimeUnavailable(string reason);
}

/// <summary>Image garbage collection could not free what its policy asks (the message says how much).</summary>
public sealed class ImageGcException(string message) : Exception(message);
