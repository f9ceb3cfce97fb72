using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Timonel.Storage.Etcd;
using Timonel.Testing;
using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>
/// etcd progress notifications through <see cref="IWatchProgressStore"/>: a request on an idle
/// watch is answered with the store's current revision, and an answer is reported only after
/// every event up to its revision has been yielded. The machine's etcd (3.4.23) predates the
/// versions whose answers are ordered, so the store is opened with TrustOldEtcdProgress; the
/// watches here are synced (caught up) before they ask, where the store's confirming second
/// request keeps even those versions in order.
/// </summary>
public sealed class EtcdWatchProgressTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Channel<(long Revision, long Seen)> _reports = Channel.CreateUnbounded<(long, long)>();
    private readonly Channel<long> _events = Channel.CreateUnbounded<long>();
    private readonly CancellationTokenSource _stop = new();
    private EtcdProcess _etcd = null!;
    private EtcdStore _store = null!;
    private long _seen;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdProcess.StartAsync();
        _store = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(_etcd.EndpointList), CompactionInterval = TimeSpan.Zero, TrustOldEtcdProgress = true }, null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _store.DisposeAsync();
        await _etcd.DisposeAsync();
        _stop.Dispose();
    }

    [Theory]
    [InlineData("3.4.23", false)]
    [InlineData("3.4.30", false)]
    [InlineData("3.4.31", true)]
    [InlineData("3.5.12", false)]
    [InlineData("3.5.13", true)]
    [InlineData("3.6.0", true)]
    [InlineData("3.6.0-rc.1", true)]
    [InlineData("4.0.0", true)]
    [InlineData("3.3.27", false)]
    [InlineData("garbage", false)]
    [InlineData("", false)]
    public void OrdersProgress_Version_OnlyFixedReleases(string version, bool expected) =>
        Assert.Equal(expected, EtcdVersions.OrdersProgress(version));

    [Fact]
    public async Task Open_TrustOldEtcdProgressOff_OffersProgressOnlyOnAFixedEtcd()
    {
        await using var plain = await EtcdStore.OpenAsync(EtcdTestOptions.For(_etcd), null, CancellationToken.None);
        var version = await InstalledVersionAsync();

        Assert.Equal(EtcdVersions.OrdersProgress(version), plain.SupportsWatchProgress);
        Assert.True(_store.SupportsWatchProgress);
    }

    [Fact]
    public async Task Watch_ProgressRequestedOnAnIdlePrefix_ReportsTheCurrentRevision()
    {
        var progress = Follow("/idle/", await _store.GetCurrentRevisionAsync(CancellationToken.None));
        for (var i = 0; i < 3; i++)
        {
            await _store.CreateAsync($"/other/{i}", Encoding.UTF8.GetBytes("v"), CancellationToken.None);
        }

        var current = await _store.GetCurrentRevisionAsync(CancellationToken.None);

        progress.Request();
        var (revision, _) = await NextReportAsync(current);

        Assert.Equal(current, revision);
        Assert.Equal(0, Volatile.Read(ref _seen));
    }

    [Fact]
    public async Task Watch_ProgressAfterWrites_ReportedOnlyOnceTheirEventsWereYielded()
    {
        var progress = Follow("/p/", await _store.GetCurrentRevisionAsync(CancellationToken.None));
        // Once its first event has come the watch is synced: etcd sends it events as they happen.
        var warm = (await _store.CreateAsync("/p/warm", Encoding.UTF8.GetBytes("v"), CancellationToken.None)).Revision;
        await NextEventAsync(warm);
        var written = new List<long> { warm };
        for (var i = 0; i < 30; i++)
        {
            written.Add((await _store.CreateAsync($"/p/{i}", Encoding.UTF8.GetBytes("v"), CancellationToken.None)).Revision);
            await _store.CreateAsync($"/other/{i}", Encoding.UTF8.GetBytes("v"), CancellationToken.None);

            progress.Request();
            var (revision, seen) = await NextReportAsync(written[^1]);

            // Every event under the prefix up to the reported revision reached the consumer first.
            Assert.True(seen >= written.Where(r => r <= revision).Max(), $"reported {revision} having yielded up to {seen} of {string.Join(",", written)}");
        }
    }

    // Watches the prefix in the background, recording the newest event revision yielded and,
    // with each progress report, what had been yielded by then.
    private WatchProgress Follow(string prefix, long after)
    {
        var progress = new WatchProgress(r => _reports.Writer.TryWrite((r, Volatile.Read(ref _seen))));
        _ = Task.Run(async () =>
        {
            await foreach (var e in _store.WatchAsync(prefix, after, progress, _stop.Token))
            {
                Volatile.Write(ref _seen, e.Revision);
                _events.Writer.TryWrite(e.Revision);
            }
        });
        return progress;
    }

    // "etcd Version: 3.4.23" from the binary the test etcd runs.
    private static async Task<string> InstalledVersionAsync()
    {
        using var process = Process.Start(new ProcessStartInfo(EtcdProcess.BinaryPath, "--version") { RedirectStandardOutput = true })!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text.Split('\n')[0].Split(':')[1].Trim();
    }

    private async Task NextEventAsync(long revision)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (await _events.Reader.ReadAsync(timeout.Token) < revision)
        {
        }
    }

    private async Task<(long Revision, long Seen)> NextReportAsync(long atLeast)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            var report = await _reports.Reader.ReadAsync(timeout.Token);
            if (report.Revision >= atLeast)
            {
                return report;
            }
        }
    }
}
