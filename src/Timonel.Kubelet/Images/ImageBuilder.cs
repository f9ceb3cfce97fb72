using Timonel.Api.Images;
using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Kubelet.Images;

/// <summary>
/// Builds a one-layer image as a docker-archive tar (what `docker save` writes: manifest.json,
/// the config JSON, one uncompressed layer tar) from files, symlinks and directories. No
/// registry, no daemon: used for the pause image and by tests (busybox-static images).
/// </summary>
public sealed class ImageBuilder
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(0);
    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ImageBuilder(string reference)
    {
        Reference = ImageReference.Normalize(reference);
    }

    /// <summary>The full reference the image is tagged with (docker.io/library/NAME:TAG form).</summary>
    public string Reference { get; }

    public IList<string> Entrypoint { get; } = [];

    public IList<string> Cmd { get; } = [];

    public IList<string> Env { get; } = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

    public string WorkingDir { get; set; } = "/";

    /// <summary>A busybox image: Debian's static busybox at /bin/busybox with a symlink per applet, /etc/passwd, /tmp.</summary>
    public static ImageBuilder Busybox(string reference, string busyboxPath = "/bin/busybox")
    {
        if (!File.Exists(busyboxPath))
        {
            throw new FileNotFoundException($"{busyboxPath} not found; install it with: apt-get install -y busybox-static", busyboxPath);
        }

        var builder = new ImageBuilder(reference);
        builder.AddFile("/bin/busybox", File.ReadAllBytes(busyboxPath), 0b111_101_101);
        foreach (var applet in Applets(busyboxPath))
        {
            if (applet != "bin/busybox")
            {
                builder.AddSymlink("/" + applet, "/bin/busybox");
            }
        }

        builder.AddFile("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"u8.ToArray(), 0b110_100_100);
        builder.AddFile("/etc/group", "root:x:0:\nnogroup:x:65534:\n"u8.ToArray(), 0b110_100_100);
        builder.AddDirectory("/tmp", 0b111_111_111 | 0b1_000_000_000);
        builder.AddDirectory("/root", 0b111_000_000);
        builder.Cmd.Add("sh");
        return builder;
    }

    public ImageBuilder AddFile(string path, byte[] content, int mode)
    {
        AddParents(path);
        _entries[Clean(path)] = new Entry(TarEntryType.RegularFile, content, null, mode);
        return this;
    }

    public ImageBuilder AddSymlink(string path, string target)
    {
        AddParents(path);
        _entries[Clean(path)] = new Entry(TarEntryType.SymbolicLink, null, target, 0b111_111_111);
        return this;
    }

    public ImageBuilder AddDirectory(string path, int mode = 0b111_101_101)
    {
        AddParents(path);
        _entries[Clean(path)] = new Entry(TarEntryType.Directory, null, null, mode);
        return this;
    }

    /// <summary>The uncompressed layer tar (entries in path order, fixed times: the same input gives the same bytes).</summary>
    public byte[] BuildLayer()
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var (path, entry) in _entries)
            {
                var tar = new GnuTarEntry(entry.Type, entry.Type == TarEntryType.Directory ? path + "/" : path)
                {
                    Mode = (UnixFileMode)entry.Mode,
                    ModificationTime = Epoch,
                    Uid = 0,
                    Gid = 0,
                };
                if (entry.LinkTarget is not null)
                {
                    tar.LinkName = entry.LinkTarget;
                }

                if (entry.Content is not null)
                {
                    tar.DataStream = new MemoryStream(entry.Content, writable: false);
                }

                writer.WriteEntry(tar);
            }
        }

        return stream.ToArray();
    }

    /// <summary>The image config JSON (docker's image config, rootfs naming the layer's uncompressed digest) and the layer tar.</summary>
    public (byte[] Config, byte[] Layer) BuildConfigAndLayer()
    {
        var layer = BuildLayer();
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = "1970-01-01T00:00:00Z",
            ["config"] = new JsonObject
            {
                ["Env"] = ToArray(Env),
                ["Entrypoint"] = Entrypoint.Count == 0 ? null : ToArray(Entrypoint),
                ["Cmd"] = Cmd.Count == 0 ? null : ToArray(Cmd),
                ["WorkingDir"] = WorkingDir,
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray("sha256:" + Sha256(layer)) },
        };
        return (JsonSerializer.SerializeToUtf8Bytes(config), layer);
    }

    /// <summary>The image as a docker-archive tar.</summary>
    public void WriteDockerArchive(Stream output)
    {
        var (configBytes, layer) = BuildConfigAndLayer();
        var layerDigest = Sha256(layer);
        var configName = Sha256(configBytes) + ".json";
        var layerName = layerDigest + "/layer.tar";
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray(Reference),
            ["Layers"] = new JsonArray(layerName),
        });

        using var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
        Write(writer, configName, configBytes);
        writer.WriteEntry(new GnuTarEntry(TarEntryType.Directory, layerDigest + "/") { Mode = (UnixFileMode)0b111_101_101, ModificationTime = Epoch });
        Write(writer, layerName, layer);
        Write(writer, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest));
    }

    public void WriteDockerArchive(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        WriteDockerArchive(file);
    }

    private static void Write(TarWriter writer, string name, byte[] content) =>
        writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)0b110_100_100,
            ModificationTime = Epoch,
            DataStream = new MemoryStream(content, writable: false),
        });

    private static JsonArray ToArray(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private void AddParents(string path)
    {
        var parts = Clean(path).Split('/');
        for (var i = 1; i < parts.Length; i++)
        {
            var parent = string.Join('/', parts[..i]);
            if (!_entries.ContainsKey(parent))
            {
                _entries[parent] = new Entry(TarEntryType.Directory, null, null, 0b111_101_101);
            }
        }
    }

    /// <summary>Layer paths are relative ("bin/sh"); "/bin/sh", "./bin/sh" and "bin//sh" all name it.</summary>
    private static string Clean(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Length == 0 || parts.Contains(".."))
        {
            throw new ArgumentException($"invalid path in image: \"{path}\"", nameof(path));
        }

        return string.Join('/', parts);
    }

    private static IEnumerable<string> Applets(string busyboxPath)
    {
        var start = new ProcessStartInfo(busyboxPath, "--list-full") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{busyboxPath} did not start");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private sealed record Entry(TarEntryType Type, byte[]? Content, string? LinkTarget, int Mode);
}
