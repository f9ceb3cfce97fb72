using System.Globalization;

namespace Timonel.ApiServer.Audit;

/// <summary>
/// --audit-log-maxsize / --audit-log-maxbackup / --audit-log-maxage, as upstream's log backend
/// (lumberjack): when the next line would take the file past <see cref="MaxBytes"/>, it is renamed
/// NAME-&lt;UTC time&gt;.EXT and a new one started; then backups beyond <see cref="MaxBackups"/>
/// (newest kept) or older than <see cref="MaxAge"/> are deleted. Zero turns a limit off.
/// </summary>
public sealed record AuditLogRotation(long MaxBytes, int MaxBackups, TimeSpan MaxAge)
{
    /// <summary>lumberjack's size when only a backup count or age is set.</summary>
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    private const string TimeFormat = "yyyy-MM-dd'T'HH-mm-ss.fff";

    /// <summary>From the flags (megabytes, count, days), or null when none is set: the file then grows without rotation, as upstream's.</summary>
    public static AuditLogRotation? FromFlags(int maxSizeMegabytes, int maxBackups, int maxAgeDays) =>
        maxSizeMegabytes == 0 && maxBackups == 0 && maxAgeDays == 0
            ? null
            : new AuditLogRotation(maxSizeMegabytes > 0 ? maxSizeMegabytes * 1024L * 1024 : DefaultMaxBytes, maxBackups, TimeSpan.FromDays(maxAgeDays));

    /// <summary>Where the current file goes when it is rotated at <paramref name="now"/>.</summary>
    public static string BackupPath(string path, DateTimeOffset now)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var name = Path.GetFileNameWithoutExtension(path) + "-" + now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
        var backup = Path.Combine(directory, name + Path.GetExtension(path));
        for (var i = 1; File.Exists(backup); i++)
        {
            // Two rotations in one millisecond: keep both rather than overwrite one.
            backup = Path.Combine(directory, $"{name}.{i}{Path.GetExtension(path)}");
        }

        return backup;
    }

    /// <summary>Deletes the backups of <paramref name="path"/> this rotation no longer keeps.</summary>
    public void Prune(string path, DateTimeOffset now)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var prefix = Path.GetFileNameWithoutExtension(path) + "-";
        var extension = Path.GetExtension(path);
        var backups = new List<(string File, DateTime Time)>();
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*" + extension))
        {
            var stamp = Path.GetFileNameWithoutExtension(file)[prefix.Length..];
            stamp = stamp.Length > TimeFormat.Length - 2 ? stamp[..(TimeFormat.Length - 2)] : stamp;
            if (DateTime.TryParseExact(stamp, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
            {
                backups.Add((file, time));
            }
        }

        backups.Sort((a, b) => b.Time.CompareTo(a.Time));
        for (var i = 0; i < backups.Count; i++)
        {
            var tooMany = MaxBackups > 0 && i >= MaxBackups;
            var tooOld = MaxAge > TimeSpan.Zero && now.UtcDateTime - backups[i].Time > MaxAge;
            if (tooMany || tooOld)
            {
                File.Delete(backups[i].File);
            }
        }
    }
}
