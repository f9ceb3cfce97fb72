using System.CommandLine;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Runtime;

namespace Timonel.Cli.Agent;

/// <summary>`timonel images import FILE.tar` and `timonel images ls`: images of the local agent's containerd, no registry needed.</summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory of the agent (default /var/lib/timonel as root, else ~/.timonel)", Recursive = true };
        var images = new Command("images", "Manage the node's container images (air-gapped: import tarballs)");
        images.Options.Add(dataDir);

        var file = new Argument<string>("file") { Description = "A docker-archive (docker save) or OCI archive tar" };
        var import = new Command("import", "Import an image tarball now, and keep it for every later start");
        import.Arguments.Add(file);
        import.SetAction(async (parse, ct) =>
        {
            var paths = Paths(parse.GetValue(dataDir));
            var source = Path.GetFullPath(parse.GetValue(file)!);
            if (!File.Exists(source))
            {
                Console.Error.WriteLine($"timonel images import: {source} not found");
                return 1;
            }

            return await KeepAndImportAsync(paths, source, "timonel images import", ct).ConfigureAwait(false);
        });

        var busybox = new Command("busybox", $"Build {BusyboxReference} from the machine's static busybox (Debian's busybox-static, installed by scripts/install-deps.sh) and import it: an image to try the cluster with, no registry needed");
        busybox.SetAction(async (parse, ct) =>
        {
            var paths = Paths(parse.GetValue(dataDir));
            try
            {
                Directory.CreateDirectory(paths.ImagesDir);
                var archive = Path.Combine(paths.ImagesDir, "busybox.tar");
                ImageBuilder.Busybox(BusyboxReference).WriteDockerArchive(archive);
                return await KeepAndImportAsync(paths, archive, "timonel images busybox", ct).ConfigureAwait(false);
            }
            catch (FileNotFoundException e)
            {
                Console.Error.WriteLine($"timonel images busybox: {e.Message}");
                return 1;
            }
        });

        var list = new Command("ls", "List the images the node's containerd holds");
        list.SetAction(async (parse, ct) =>
        {
            var paths = Paths(parse.GetValue(dataDir));
            using var cri = new CriClient(paths.Socket);
            try
            {
                var images = await cri.ListImagesAsync(ct).ConfigureAwait(false);
                var pinned = new PinnedImages(Path.Combine(paths.AgentDir, "images-imported.json"), PauseImage.Reference);
                var pinnedIds = new HashSet<string>(StringComparer.Ordinal);
                foreach (var image in images)
                {
                    foreach (var tag in image.RepoTags)
                    {
                        if (image.Pinned || await pinned.ContainsAsync(tag, ct).ConfigureAwait(false))
                        {
                            pinnedIds.Add(image.Id);
                        }
                    }
                }

                var containers = await cri.ListContainersAsync(null, ct).ConfigureAwait(false);
                var usage = (await ImageUsageFile.ReadAsync(ImageUsageFile.PathIn(paths.AgentDir), ct).ConfigureAwait(false)).ToDictionary(u => u.Id, StringComparer.Ordinal);
                Console.Write(ImageTable.Render(images, i => i.Pinned || pinnedIds.Contains(i.Id), i => ImageTable.UsedBy(i, containers), usage, DateTimeOffset.UtcNow));
                return 0;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"timonel images ls: the agent's containerd at {paths.Socket} does not answer ({e.Status.Detail}); is the agent running?");
                return 1;
            }
        });

        images.Subcommands.Add(import);
        images.Subcommands.Add(busybox);
        images.Subcommands.Add(list);
        images.Subcommands.Add(PushBusyboxCommand.Create());
        return images;
    }

    /// <summary>What `timonel images busybox` tags its image: not "latest", so pods use it without trying a registry (IfNotPresent).</summary>
    public const string BusyboxReference = "docker.io/library/busybox:local";

    /// <summary>Keeps the archive in DATA_DIR/agent/images (imported at every agent start) and imports it now if the agent's containerd runs.</summary>
    private static async Task<int> KeepAndImportAsync(ContainerdPaths paths, string source, string command, CancellationToken ct)
    {
        // Kept in DATA_DIR/agent/images: imported again only if its content changes.
        Directory.CreateDirectory(paths.ImagesDir);
        var kept = Path.Combine(paths.ImagesDir, Path.GetFileName(source));
        if (kept != source)
        {
            File.Copy(source, kept, overwrite: true);
        }

        if (!File.Exists(paths.Socket))
        {
            Console.WriteLine($"{kept} saved; the agent imports it when it starts");
            return 0;
        }

        try
        {
            var importer = new ImageImporter(paths.Socket, Path.Combine(paths.AgentDir, "images-imported.json"), NullLogger.Instance);
            await importer.ImportDirectoryAsync(paths.ImagesDir, ct).ConfigureAwait(false);
            Console.WriteLine($"imported {kept}");
            return 0;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            return 1;
        }
    }

    private static ContainerdPaths Paths(string? dataDir) =>
        new(Path.Combine(Path.GetFullPath(dataDir ?? ApiServerOptions.DefaultDataDir()), "agent"));
}
