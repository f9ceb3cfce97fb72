using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>hostPath: a path of the node itself, checked against its <c>type</c> the way upstream does.</summary>
public sealed class HostPathVolumePlugin : IVolumePlugin
{
    public string Name => "kubernetes.io~host-path";

    public bool RefreshesContent => false;

    public bool CanHandle(V1Volume volume) => volume.HostPath is not null;

    public Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken)
    {
        CheckType(volume.HostPath.Path, volume.HostPath.Type);
        return Task.FromResult(new MountedVolume(volume.HostPath.Path, ReadOnly: false));
    }

    /// <summary>Upstream's hostPath type check: creates what the *OrCreate types ask for, otherwise the path must be of the type.</summary>
    /// <exception cref="VolumeException">"hostPath type check failed: PATH is not a directory", and so on.</exception>
    public static void CheckType(string path, string? type)
    {
        var actual = VolumeSyscalls.TypeOf(path);
        switch (type ?? string.Empty)
        {
            case "":
                return;
            case "DirectoryOrCreate" when actual == VolumeSyscalls.FileType.Missing:
                Directory.CreateDirectory(path);
                VolumeSyscalls.SetMode(path, 0x1ED);
                return;
            case "DirectoryOrCreate" or "Directory":
                Expect(actual == VolumeSyscalls.FileType.Directory, path, "a directory");
                return;
            case "FileOrCreate" when actual == VolumeSyscalls.FileType.Missing:
                // As upstream, the parent directory is not created.
                try
                {
                    using (File.Create(path))
                    {
                    }

                    VolumeSyscalls.SetMode(path, 0x1A4);
                }
                catch (DirectoryNotFoundException)
                {
                    throw new VolumeException($"hostPath type check failed: cannot create file {path}: its directory does not exist");
                }

                return;
            case "FileOrCreate" or "File":
                Expect(actual == VolumeSyscalls.FileType.Regular, path, "a file");
                return;
            case "Socket":
                Expect(actual == VolumeSyscalls.FileType.Socket, path, "a socket file");
                return;
            case "CharDevice":
                Expect(actual == VolumeSyscalls.FileType.CharDevice, path, "a character device");
                return;
            case "BlockDevice":
                Expect(actual == VolumeSyscalls.FileType.BlockDevice, path, "a block device");
                return;
            default:
                throw new VolumeException($"{type} is an invalid volume type");
        }
    }

    private static void Expect(bool ok, string path, string what)
    {
        if (!ok)
        {
            throw new VolumeException($"hostPath type check failed: {path} is not {what}");
        }
    }
}
