using System.Net;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>Image garbage collection flags and `timonel images ls`, driven as a user does: the CLI and the real kubectl.</summary>
[Collection(E2ECollection.Name)]
public sealed class ImageGcTests
{
    [Theory]
    [InlineData("agent", "--image-gc-high-threshold", "80", "--image-gc-low-threshold", "90", "--image-gc-low-threshold 90 must be less than --image-gc-high-threshold 80")]
    [InlineData("agent", "--image-gc-high-threshold", "101", "--image-gc-low-threshold", "80", "--image-gc-high-threshold 101 must be between 0 and 100, inclusive")]
    [InlineData("server", "--image-minimum-gc-age", "5m", "--image-maximum-gc-age", "1m", "--image-maximum-gc-age 1m0s must be greater than --image-minimum-gc-age 5m0s")]
    [InlineData("server", "--image-minimum-gc-age", "soon", "--image-gc-low-threshold", "80", "--image-minimum-gc-age \"soon\" is not a duration")]
    [InlineData("agent", "--image-pull-progress-deadline", "5 minutes", "--image-gc-low-threshold", "80", "--image-pull-progress-deadline \"5 minutes\" is not a duration")]
    [InlineData("server", "--image-pull-progress-deadline", "soon", "--image-gc-low-threshold", "80", "--image-pull-progress-deadline \"soon\" is not a duration")]
    public async Task BadImageGcFlag_ExitsWithStatus2AndNamesTheFlag(string command, string flag1, string value1, string flag2, string value2, string message)
    {
        var dataDir = Directory.CreateTempSubdirectory("timonel-gcflags-").FullName;
        try
        {
            string[] args = command == "agent"
                ? [RepoRoot.Launcher, "agent", "--server", "https://127.0.0.1:1", "--token", "t", "--data-dir", dataDir, flag1, value1, flag2, value2]
                : [RepoRoot.Launcher, "server", "--data-dir", dataDir, "--port", "1", flag1, value1, flag2, value2];
            var result = await HostCommand.RunAsync(args, TimeSpan.FromSeconds(300));

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dataDir));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [NodeFact]
    public async Task ServerAgent_GcThresholdBelowUsage_ReportsFreeDiskSpaceFailed_ImagesLsShowsPinnedAndInUse()
    {
        await using var topology = await NetworkTopology.CreateAsync("tmg");
        var machine = await topology.AddHostAsync("m", IPAddress.Parse("10.99.0.1"));

        // high 1 %, low 0 %: the machine's disk is above it, and nothing on a fresh node may go (pause is pinned).
        var server = await TimonelServer.StartWithAgentAsync(["--image-gc-high-threshold", "1", "--image-gc-low-threshold", "0", "--image-minimum-gc-age", "0s"], machine.NetnsPath, CancellationToken.None);
        var cleanup = new[] { "nsenter", $"--net={machine.NetnsPath}", "--", RepoRoot.Launcher, "agent", "--cleanup", "--data-dir", server.DataDir };
        try
        {
            var kubectl = new Kubectl(KubectlBinary.Latest, server.KubeconfigPath, Path.Combine(server.RootDir, "home"), machine.NetnsPath);
            await Eventually.WaitAsync(
                async _ => (await kubectl.RunAsync("get", "events", "-A", "--field-selector", "involvedObject.kind=Node,reason=FreeDiskSpaceFailed", "-o", "jsonpath={.items[*].message}")).Stdout.Contains("Failed to garbage collect required amount of images. Attempted to free", StringComparison.Ordinal),
                TimeSpan.FromSeconds(120),
                "a FreeDiskSpaceFailed event on the node");
            var events = KubectlAssert.Succeeds(await kubectl.RunAsync("get", "events", "-A", "--field-selector", "reason=FreeDiskSpaceFailed", "-o", "jsonpath={.items[0].type}/{.items[0].involvedObject.name}")).Stdout;
            Assert.StartsWith("Warning/", events, StringComparison.Ordinal);

            var image = await HostCommand.RunAsync([RepoRoot.Launcher, "images", "busybox", "--data-dir", server.DataDir], TimeSpan.FromSeconds(60));
            Assert.True(image.Succeeded, image.ToString());
            KubectlAssert.Succeeds(await kubectl.RunAsync("run", "sleeper", "--image=docker.io/library/busybox:local", "--", "sleep", "3600"));
            KubectlAssert.Succeeds(await kubectl.RunAsync(["wait", "--for=condition=Ready", "pod/sleeper", "--timeout=80s"], stdin: null, timeout: TimeSpan.FromSeconds(90)));

            var list = await HostCommand.RunAsync([RepoRoot.Launcher, "images", "ls", "--data-dir", server.DataDir], TimeSpan.FromSeconds(60));
            Assert.True(list.Succeeded, list.ToString());
            Assert.Matches(@"(?m)^IMAGE\s+TAG\s+DIGEST\s+IMAGE ID\s+SIZE\s+PINNED\s+LAST USED$", list.Stdout);
            Assert.Matches(@"(?m)^docker\.io/library/busybox\s+local\s+\S+\s+[0-9a-f]{13}\s+[0-9.]+[kM]B\s+true\s+in use$", list.Stdout);
            Assert.Matches(@"(?m)^docker\.io/timonel/pause\s+1\.0\s+\S+\s+[0-9a-f]{13}\s+[0-9.]+[kM]B\s+true\s+", list.Stdout);
        }
        finally
        {
            await server.StopAsync();
            await HostCommand.RunAsync(cleanup, TimeSpan.FromSeconds(120));
            await server.DisposeAsync();
        }
    }
}
