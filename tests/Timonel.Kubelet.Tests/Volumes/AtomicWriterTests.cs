using System.Text;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests.Volumes;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AtomicWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_FirstPayload_FilesVisibleThroughDataSymlink()
    {
        var changed = AtomicWriter.Write(_dir, Payload(("a", "1", 0x1A4), ("nested/b", "2", 0x180)), TimeProvider.System);

        Assert.True(changed);
        Assert.Equal("1", File.ReadAllText(Path.Combine(_dir, "a")));
        Assert.Equal("2", File.ReadAllText(Path.Combine(_dir, "nested", "b")));
        Assert.Equal("..data/a", new FileInfo(Path.Combine(_dir, "a")).LinkTarget);
        var data = new FileInfo(Path.Combine(_dir, AtomicWriter.DataLinkName)).LinkTarget!;
        Assert.Matches(@"^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$", data);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(_dir, data, "a")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, data, "nested", "b")));
    }

    [Fact]
    public void Write_SamePayloadAgain_ChangesNothing()
    {
        AtomicWriter.Write(_dir, Payload(("a", "1", 0x1A4)), TimeProvider.System);
        var data = new FileInfo(Path.Combine(_dir, AtomicWriter.DataLinkName)).LinkTarget;

        Assert.False(AtomicWriter.Write(_dir, Payload(("a", "1", 0x1A4)), TimeProvider.System));
        Assert.Equal(data, new FileInfo(Path.Combine(_dir, AtomicWriter.DataLinkName)).LinkTarget);
    }

    [Fact]
    public void Write_ChangedPayload_SwapsDataDirAndDropsOldKeys()
    {
        AtomicWriter.Write(_dir, Payload(("a", "1", 0x1A4), ("gone", "x", 0x1A4)), TimeProvider.System);
        var oldData = new FileInfo(Path.Combine(_dir, AtomicWriter.DataLinkName)).LinkTarget!;

        Assert.True(AtomicWriter.Write(_dir, Payload(("a", "2", 0x1A4), ("new", "y", 0x1A4)), TimeProvider.System));

        Assert.Equal("2", File.ReadAllText(Path.Combine(_dir, "a")));
        Assert.Equal("y", File.ReadAllText(Path.Combine(_dir, "new")));
        Assert.False(Path.Exists(Path.Combine(_dir, "gone")));
        Assert.False(Directory.Exists(Path.Combine(_dir, oldData)));
        Assert.False(Path.Exists(Path.Combine(_dir, "..data_tmp")));
        // Only ..data, the new timestamped dir and the visible links remain.
        Assert.Equal(4, Directory.GetFileSystemEntries(_dir).Length);
    }

    [Fact]
    public void Write_ModeChangeOnly_Rewrites()
    {
        AtomicWriter.Write(_dir, Payload(("a", "1", 0x1A4)), TimeProvider.System);

        Assert.True(AtomicWriter.Write(_dir, Payload(("a", "1", 0x100)), TimeProvider.System));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(Path.Combine(_dir, "a")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/abs")]
    [InlineData("..hidden")]
    [InlineData("a/../../b")]
    [InlineData("")]
    public void Write_BadPath_ThrowsAndWritesNothing(string path)
    {
        var e = Assert.Throws<VolumeException>(() => AtomicWriter.Write(_dir, Payload((path, "x", 0x1A4)), TimeProvider.System));

        Assert.Contains("invalid path", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    private static Dictionary<string, VolumeFile> Payload(params (string Path, string Text, int Mode)[] files) =>
        files.ToDictionary(f => f.Path, f => new VolumeFile(Encoding.UTF8.GetBytes(f.Text), f.Mode), StringComparer.Ordinal);
}
