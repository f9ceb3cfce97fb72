using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Tests.Infrastructure;

namespace Timonel.Kubelet.Tests.Images;

/// <summary>Image garbage collection against a real containerd: what goes and what stays.</summary>
public sealed class ImageGcContainerdTests
{
    private const string InUse = "docker.io/library/busybox:gc-in-use";
    private const string Unused = "docker.io/library/busybox:gc-unused";
    private const string Imported = "docker.io/library/busybox:gc-imported";

    [RootFact]
    public async Task GarbageCollect_OverHighThreshold_RemovesUnusedImage_KeepsPauseInUseAndImported()
    {
        await using var containerd = await TestContainerd.StartAsync("tk-imagegc", "10.42.9.0/24", "tmgc0");
        var paths = containerd.Paths;
        var cri = containerd.Cri;

        // The node's own imports (pinned by its record) and, apart, images as `ctr import` would bring them (not pinned).
        var nodeRecord = Path.Combine(paths.AgentDir, "images-imported.json");
        var nodeImporter = new ImageImporter(paths.Socket, nodeRecord, NullLogger.Instance);
        await nodeImporter.ImportAsync(await PauseImage.EnsureArchiveAsync(Path.Combine(containerd.Dir, "pause"), CancellationToken.None), CancellationToken.None);
        Directory.CreateDirectory(paths.ImagesDir);
        File.Move(Archive(containerd.Dir, Imported), Path.Combine(paths.ImagesDir, "imported.tar"));
        await nodeImporter.ImportDirectoryAsync(paths.ImagesDir, CancellationToken.None);
        var otherImporter = new ImageImporter(paths.Socket, Path.Combine(containerd.Dir, "elsewhere.json"), NullLogger.Instance);
        await otherImporter.ImportAsync(Archive(containerd.Dir, InUse), CancellationToken.None);
        await otherImporter.ImportAsync(Archive(containerd.Dir, Unused), CancellationToken.None);

        var sandboxConfig = containerd.SandboxConfig("gc");
        var sandbox = await cri.RunPodSandboxAsync(sandboxConfig, CancellationToken.None);
        var container = await cri.CreateContainerAsync(sandbox, new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = "c" },
            Image = new ImageSpec { Image = InUse },
            Command = { "sleep", "100" },
            LogPath = "c.log",
            Linux = new LinuxContainerConfig(),
        }, sandboxConfig, CancellationToken.None);
        await cri.StartContainerAsync(container, CancellationToken.None);

        var pinned = new PinnedImages(nodeRecord, PauseImage.Reference);
        var events = new List<string>();
        var usageFile = ImageUsageFile.PathIn(paths.AgentDir);
        ImageGcManager Manager(int high, int low) => new(cri, cri, pinned, new StatfsFilesystemStats(paths.Root, containerd.Dir), new ImageGcPolicy { HighThresholdPercent = high, LowThresholdPercent = low, MinAge = TimeSpan.Zero }, TimeProvider.System, NullLogger.Instance, (_, reason, _) => events.Add(reason), usageFile);

        // Below the thresholds nothing goes: the machine's disk is not 100 % full.
        await Manager(100, 99).GarbageCollectAsync(CancellationToken.None);
        Assert.NotNull(await cri.ImageStatusAsync(Unused, CancellationToken.None));
        Assert.Empty(events);

        var containers = await cri.ListContainersAsync(null, CancellationToken.None);
        var table = ImageTable.Render(await cri.ListImagesAsync(CancellationToken.None), i => i.Pinned || i.RepoTags.Contains(PauseImage.Reference) || i.RepoTags.Contains(Imported), i => ImageTable.UsedBy(i, containers), (await ImageUsageFile.ReadAsync(usageFile, CancellationToken.None)).ToDictionary(u => u.Id), DateTimeOffset.UtcNow);
        Assert.Matches(@"docker\.io/library/busybox\s+gc-in-use\s+\S+\s+\S+\s+\S+\s+false\s+in use", table);
        Assert.Matches(@"docker\.io/library/busybox\s+gc-unused\s+\S+\s+\S+\s+\S+\s+false\s+never", table);
        Assert.Matches(@"docker\.io/library/busybox\s+gc-imported\s+\S+\s+\S+\s+\S+\s+true\s+never", table);

        // high=1 low=0: the current usage is above the high threshold; everything that may go goes.
        var gc = Manager(1, 0);
        Assert.False(await gc.CollectAndReportAsync(CancellationToken.None));

        var left = string.Join(", ", (await cri.ListImagesAsync(CancellationToken.None)).SelectMany(i => i.RepoTags));
        Assert.True(await cri.ImageStatusAsync(Unused, CancellationToken.None) is null, $"{Unused} still present; images: {left}; events: {string.Join(", ", events)}");
        Assert.NotNull(await cri.ImageStatusAsync(InUse, CancellationToken.None));
        Assert.NotNull(await cri.ImageStatusAsync(Imported, CancellationToken.None));
        Assert.NotNull(await cri.ImageStatusAsync(PauseImage.Reference, CancellationToken.None));
        Assert.Equal(["FreeDiskSpaceFailed"], events);

        // Once its container is gone the image in use goes too, at the next collection.
        await cri.RemovePodSandboxAsync(sandbox, CancellationToken.None);
        Assert.False(await gc.CollectAndReportAsync(CancellationToken.None));
        Assert.Null(await cri.ImageStatusAsync(InUse, CancellationToken.None));
        Assert.NotNull(await cri.ImageStatusAsync(Imported, CancellationToken.None));
        Assert.NotNull(await cri.ImageStatusAsync(PauseImage.Reference, CancellationToken.None));
        Assert.Equal(["FreeDiskSpaceFailed", "FreeDiskSpaceFailed", "ImageGCFailed"], events);
    }

    /// <summary>A busybox image whose content differs by a file naming it, so each tag is its own image id.</summary>
    private static string Archive(string dir, string reference)
    {
        var path = Path.Combine(dir, reference.Replace('/', '_').Replace(':', '_') + ".tar");
        ImageBuilder.Busybox(reference).AddFile("/etc/image-name", Encoding.UTF8.GetBytes(reference), 0b110_100_100).WriteDockerArchive(path);
        return path;
    }
}
