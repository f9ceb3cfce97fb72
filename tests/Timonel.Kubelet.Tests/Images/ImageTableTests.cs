using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.Tests.Images;

public sealed class ImageTableTests
{
    [Fact]
    public void Render_ShowsTagDigestSizePinnedAndLastUse()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var busybox = new Image { Id = "sha256:0123456789abcdef0123", RepoTags = { "docker.io/library/busybox:local" }, RepoDigests = { "docker.io/library/busybox@sha256:fedcba9876543210fedc" }, Size = 1_234_567 };
        var pause = new Image { Id = "sha256:aaaaaaaaaaaaaaaaaaaa", RepoTags = { "localhost:5000/timonel/pause:3.9" }, Size = 700_000 };
        var untagged = new Image { Id = "sha256:bbbbbbbbbbbbbbbbbbbb", Size = 2_000_000_000 };
        var usage = new Dictionary<string, ImageUsage>
        {
            [busybox.Id] = new(busybox.Id, [.. busybox.RepoTags], 1_234_567, false, now.AddHours(-3), now.AddMinutes(-3)),
            [pause.Id] = new(pause.Id, [.. pause.RepoTags], 700_000, true, now.AddHours(-3), null),
        };

        var nginx = new Image { Id = "sha256:cccccccccccccccccccc", RepoTags = { "docker.io/library/nginx:1.27" }, Size = 72_100_000 };
        Container[] containers = [new() { Image = new ImageSpec { Image = "nginx:1.27" }, ImageRef = "sha256:cccccccccccccccccccc" }];

        var lines = ImageTable.Render([untagged, pause, busybox, nginx], i => i == pause, i => ImageTable.UsedBy(i, containers), usage, now).TrimEnd().Split('\n');

        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^IMAGE\s+TAG\s+DIGEST\s+IMAGE ID\s+SIZE\s+PINNED\s+LAST USED$", lines[0]);
        Assert.Matches(@"^docker\.io/library/busybox\s+local\s+fedcba9876543\s+0123456789abc\s+1\.23MB\s+false\s+3m ago$", lines[1]);
        Assert.Matches(@"^docker\.io/library/nginx\s+1\.27\s+<none>\s+ccccccccccccc\s+72\.1MB\s+false\s+in use$", lines[2]);
        Assert.Matches(@"^localhost:5000/timonel/pause\s+3\.9\s+<none>\s+aaaaaaaaaaaaa\s+700kB\s+true\s+never$", lines[3]);
        Assert.Matches(@"^<none>\s+<none>\s+<none>\s+bbbbbbbbbbbbb\s+2GB\s+false\s+-$", lines[4]);
    }
}
