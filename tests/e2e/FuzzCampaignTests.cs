using Timonel.E2E.Tests.Infrastructure;

namespace Timonel.E2E.Tests;

/// <summary>
/// `timonel bench fuzz` against a live server process: the kept findings replayed once (each was
/// a crash, a 500 or runaway memory when found), and a bounded campaign with a fixed seed, with
/// the server's RSS sampled throughout and held under a stated bound.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class FuzzCampaignTests
{
    /// <summary>The server's peak RSS allowed during these runs (idle ~140 MB, ~390 MB at the peak of a 60 s campaign; the billion-laughs body once took it to 5.7 GB).</summary>
    private const string MaxRssMegabytes = "768";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Replay_KeptFindings_EachAnsweredWithExpectedStatus()
    {
        var findings = Path.Combine(RepoRoot.Find(), "tests", "e2e", "FuzzFindings");
        Assert.NotEmpty(Directory.GetFiles(findings, "*.json"));

        var run = await HostCommand.RunAsync([RepoRoot.Launcher, "bench", "fuzz", "--replay", findings, "--max-rss-mb", MaxRssMegabytes], Deadline);

        Assert.True(run.Succeeded, run.ToString());
        Assert.Contains("findings: 0", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("serving afterwards: yes", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Campaign_FixedSeed_NoFindingAndRssUnderBound()
    {
        var run = await HostCommand.RunAsync([RepoRoot.Launcher, "bench", "fuzz", "--duration", "30", "--seed", "20261206", "--max-rss-mb", MaxRssMegabytes], Deadline);

        Assert.True(run.Succeeded, run.ToString());
        Assert.Contains("findings: 0", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"seed 20261206, [1-9]\d* requests", run.Stdout);
    }
}
