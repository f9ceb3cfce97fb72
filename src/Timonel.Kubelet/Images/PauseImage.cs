using System.Diagnostics;

namespace Timonel.Kubelet.Images;

/// <summary>
/// The pod sandbox image, built here and never downloaded: a static C program (Images/pause.c,
/// embedded) compiled with gcc -static on first use, packed with <see cref="ImageBuilder"/>.
/// </summary>
public static class PauseImage
{
    /// <summary>The sandbox image reference written into containerd's config.</summary>
    public const string Reference = "docker.io/timonel/pause:1.0";

    /// <summary>Returns the path of the pause image tar under <paramref name="dir"/>, building it when absent.</summary>
    public static async Task<string> EnsureArchiveAsync(string dir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dir);
        var archive = Path.Combine(dir, "pause-1.0.tar");
        if (File.Exists(archive))
        {
            return archive;
        }

        var source = Path.Combine(dir, "pause.c");
        var binary = Path.Combine(dir, "pause");
        await using (var resource = typeof(PauseImage).Assembly.GetManifestResourceStream("Timonel.Kubelet.pause.c")
            ?? throw new InvalidOperationException("pause.c resource missing from the build"))
        await using (var file = File.Create(source))
        {
            await resource.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        var gcc = Runtime.MachineRequirements.FindOnPath("gcc")
            ?? throw new InvalidOperationException("building the pause image needs gcc; install it with: apt-get install -y gcc libc6-dev");
        var start = new ProcessStartInfo(gcc) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in new[] { "-static", "-Os", "-s", "-o", binary, source })
        {
            start.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(start) ?? throw new InvalidOperationException("gcc did not start"))
        {
            var errors = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"gcc -static failed building the pause image (is libc6-dev installed?): {errors.Trim()}");
            }
        }

        var builder = new ImageBuilder(Reference);
        builder.AddFile("/pause", await File.ReadAllBytesAsync(binary, cancellationToken).ConfigureAwait(false), 0b111_101_101);
        builder.Entrypoint.Add("/pause");
        var temp = archive + ".tmp";
        builder.WriteDockerArchive(temp);
        File.Move(temp, archive, overwrite: true);
        return archive;
    }
}
