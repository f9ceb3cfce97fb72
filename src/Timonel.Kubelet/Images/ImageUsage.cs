using System.Text.Json;
using System.Text.Json.Serialization;

namespace Timonel.Kubelet.Images;

/// <summary>
/// What the kubelet knows of one image beyond the runtime's answer (upstream's imageRecord): when
/// it first saw it, when a container last used it (null: never seen in use), its size and whether
/// it is pinned.
/// </summary>
public sealed record ImageUsage(string Id, IReadOnlyList<string> Tags, long SizeBytes, bool Pinned, DateTimeOffset FirstDetected, DateTimeOffset? LastUsed)
{
    /// <summary>The time garbage collection orders and ages by: the last use, or the first detection for an image never used.</summary>
    [JsonIgnore]
    public DateTimeOffset LastUseOrDetected => LastUsed ?? FirstDetected;
}

/// <summary>
/// The image records kept in DATA_DIR/agent/image-usage.json, so that `timonel images ls` (another
/// process) can show last use and an agent restart keeps least-recently-used order.
/// </summary>
public static class ImageUsageFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string PathIn(string agentDir) => Path.Combine(agentDir, "image-usage.json");

    public static async Task<IReadOnlyList<ImageUsage>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<List<ImageUsage>>(stream, Json, cancellationToken).ConfigureAwait(false) ?? [];
        }
        catch (JsonException)
        {
            // A torn or foreign file only loses history: images count as first seen now.
            return [];
        }
    }

    /// <summary>Replaces the file atomically (write, then rename), so a reader never sees half of it.</summary>
    public static async Task WriteAsync(string path, IEnumerable<ImageUsage> records, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, records.OrderBy(r => r.Id, StringComparer.Ordinal).ToList(), Json, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }
}
