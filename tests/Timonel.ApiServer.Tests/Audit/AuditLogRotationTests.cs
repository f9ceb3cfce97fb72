using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.ApiServer.Audit;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Audit;

/// <summary>--audit-log-maxsize / -maxbackup / -maxage: the log is renamed and started again, and old backups go.</summary>
public sealed class AuditLogRotationTests
{
    [Fact]
    public async Task Record_PastMaxSize_RotatesAndKeepsMaxBackups()
    {
        var dir = Directory.CreateTempSubdirectory("timonel-audit-rotate-").FullName;
        var path = Path.Combine(dir, "audit.log");
        // Each rotation reads the clock once; a second apart keeps the backups' names in order.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture)) { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };
        const int maxBytes = 2000;

        await using (var log = new AuditLogFile(path, NullLogger.Instance, new AuditLogRotation(maxBytes, 2, TimeSpan.Zero), time))
        {
            for (var i = 0; i < 40; i++)
            {
                log.Record(Event(i));
            }
        }

        var backups = Directory.GetFiles(dir, "audit-*.log").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, backups.Count);
        Assert.All(backups.Append(path), f => Assert.InRange(new FileInfo(f).Length, 1, maxBytes));
        // The newest events survive: the last one is in the current file, whole lines only.
        var current = await File.ReadAllLinesAsync(path);
        Assert.Contains("/event/39", current[^1], StringComparison.Ordinal);
        Assert.All(backups.Append(path).SelectMany(File.ReadAllLines), l => System.Text.Json.Nodes.JsonNode.Parse(l));
    }

    [Fact]
    public void Prune_BackupOlderThanMaxAge_Deleted()
    {
        var dir = Directory.CreateTempSubdirectory("timonel-audit-age-").FullName;
        var path = Path.Combine(dir, "audit.log");
        var now = DateTimeOffset.Parse("2026-03-10T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var old = AuditLogRotation.BackupPath(path, now.AddDays(-3));
        File.WriteAllText(old, "{}\n");
        var recent = AuditLogRotation.BackupPath(path, now.AddHours(-1));
        File.WriteAllText(recent, "{}\n");

        new AuditLogRotation(AuditLogRotation.DefaultMaxBytes, 0, TimeSpan.FromDays(2)).Prune(path, now);

        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
    }

    [Fact]
    public void FromFlags_NoneSet_NoRotation()
    {
        Assert.Null(AuditLogRotation.FromFlags(0, 0, 0));
        Assert.Equal(AuditLogRotation.DefaultMaxBytes, AuditLogRotation.FromFlags(0, 3, 0)!.MaxBytes);
        Assert.Equal(5L * 1024 * 1024, AuditLogRotation.FromFlags(5, 0, 0)!.MaxBytes);
    }

    private static AuditEvent Event(int i)
    {
        var user = new UserInfo("jane", ["system:authenticated"]);
        var now = DateTimeOffset.UnixEpoch;
        return new AuditEvent($"id-{i}", $"/event/{i}", new RequestAttributes(user, "get", false, $"/event/{i}"), user, null, ["127.0.0.1"], "test", 200, now, now, "allow");
    }
}
