using Timonel.Api.Images;
using System.Formats.Tar;
using System.Text.Json.Nodes;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests;

public sealed class ImageBuilderTests
{
    [Fact]
    public void WriteDockerArchive_HasManifestConfigAndLayerWithFiles()
    {
        var builder = new ImageBuilder("demo:1");
        builder.AddFile("/app/run", "#!/bin/sh\n"u8.ToArray(), 0b111_101_101);
        builder.AddSymlink("/bin/run", "/app/run");
        builder.Entrypoint.Add("/app/run");
        using var archive = new MemoryStream();
        builder.WriteDockerArchive(archive);
        archive.Position = 0;

        var files = ReadTar(archive);
        var manifest = JsonNode.Parse(files["manifest.json"])!.AsArray()[0]!;
        Assert.Equal("docker.io/library/demo:1", (string?)manifest["RepoTags"]![0]);
        var config = JsonNode.Parse(files[(string)manifest["Config"]!])!;
        Assert.Equal("/app/run", (string?)config["config"]!["Entrypoint"]![0]);
        var layer = ReadTar(new MemoryStream(files[(string)manifest["Layers"]![0]!]), includeLinks: true);
        Assert.Equal("#!/bin/sh\n", System.Text.Encoding.UTF8.GetString(layer["app/run"]));
        Assert.Equal("/app/run", System.Text.Encoding.UTF8.GetString(layer["bin/run"]));
        Assert.True(layer.ContainsKey("app/"));
    }

    [Fact]
    public void BuildLayer_SameInput_SameBytes()
    {
        static byte[] Build()
        {
            var b = new ImageBuilder("x:1");
            b.AddFile("a", [1, 2, 3], 0b110_100_100);
            return b.BuildLayer();
        }

        Assert.Equal(Build(), Build());
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/")]
    public void AddFile_PathEscapingRoot_Throws(string path) =>
        Assert.Throws<ArgumentException>(() => new ImageBuilder("x:1").AddFile(path, [], 0b110_100_100));

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("me/app", "docker.io/me/app:latest")]
    [InlineData("registry.local:5000/app:2", "registry.local:5000/app:2")]
    [InlineData("localhost/app", "localhost/app:latest")]
    public void ImageReference_Normalize_AsCri(string input, string expected) =>
        Assert.Equal(expected, ImageReference.Normalize(input));

    [Fact]
    public void ImageReference_Empty_Throws() => Assert.Throws<ArgumentException>(() => ImageReference.Normalize(" "));

    private static Dictionary<string, byte[]> ReadTar(Stream stream, bool includeLinks = false)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType == TarEntryType.SymbolicLink && includeLinks)
            {
                files[entry.Name] = System.Text.Encoding.UTF8.GetBytes(entry.LinkName);
            }
            else if (entry.DataStream is { } data)
            {
                using var copy = new MemoryStream();
                data.CopyTo(copy);
                files[entry.Name] = copy.ToArray();
            }
            else
            {
                files[entry.Name] = [];
            }
        }

        return files;
    }
}
