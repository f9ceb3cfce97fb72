using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file (WAL, synchronous=FULL) holding an append-only log of
/// writes, in the manner of k3s's kine. See <see cref="SqliteSchema"/> for the layout,
/// <see cref="SqliteWriter"/> for group commit and <see cref="SqliteCompactor"/> for compaction.
/// </summary>
/// <remarks>
/// Beyond <see cref="IStore"/>'s contract:
/// <list type="bullet">
/// <item>Only one process may open a file at a time; within it, one connection writes and
/// pooled read-only connections read WAL snapshots, so reads never wait for writes.</item>
/// <item>Keys are ordered by their UTF-8 bytes (code point order), which equals ordinal
/// order for every key without characters outside the Basic Multilingual Plane.</item>
/// <item><see cref="WatchAsync"/> with <c>afterRevision</c> 0 yields only events newer than
/// the revision current when it starts; a watcher whose buffer of
/// <see cref="SqliteStoreOptions.WatchBufferSize"/> events overflows ends with
/// <see cref="StoreWatchLaggedException"/>; a watch ends normally when the store is disposed.</item>
/// <item><see cref="CompactAsync"/> above the current revision throws
/// <see cref="ArgumentOutOfRangeException"/>; at or below the compacted revision it does nothing.
/// Ranges above the current revision throw <see cref="ArgumentOutOfRangeException"/>.</item>
/// <item>A write whose token is cancelled before its group commit starts is not made.</item>
/// </list>
/// </remarks>
public sealed partial class SqliteStore : IStore
{
    /// <summary>The component name to create this store's logger with.</summary>
    public const string ComponentName = "sqlite-store";

    private readonly string _path;
    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly SqliteWriter _writer;
    private readonly SqliteCompactor _compactor;
    private readonly ReadConnectionPool _readers;
    private readonly WatchBroadcaster _broadcaster;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _backgroundCompaction;
    private int _disposed;

    private SqliteStore(string path, SqliteStoreOptions options, ILogger logger, TimeProvider time, Microsoft.Data.Sqlite.SqliteConnection writerConnection)
    {
        _path = path;
        _options = options;
        _logger = logger;
        _broadcaster = new WatchBroadcaster(options.WatchBufferSize);
        var compacted = SqliteSchema.ReadMeta(writerConnection, SqliteSchema.CompactRevisionKey);
        _writer = new SqliteWriter(writerConnection, _broadcaster, options.MaxWritesPerCommit, logger);
        _compactor = new SqliteCompactor(_writer, compacted, options.CompactionBatchRevisions, options.BusyTimeout, logger);
        _readers = new ReadConnectionPool(path, options.BusyTimeout, maxIdle: Math.Max(4, Environment.ProcessorCount * 4));
        _backgroundCompaction = options.CompactionInterval > TimeSpan.Zero
            ? Task.Run(() => CompactPeriodicallyAsync(time, _stopping.Token))
            : Task.CompletedTask;
        SqliteStoreLog.Opened(logger, path, _writer.Revision, compacted);
    }

    /// <summary>Opens (creating if needed, with its directory) the store file at <paramref name="databasePath"/>.</summary>
    public static Task<SqliteStore> OpenAsync(string databasePath, SqliteStoreOptions options, ILogger? logger, TimeProvider? time, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var path = Path.GetFullPath(databasePath);
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = SqliteSchema.OpenWriter(path, options.BusyTimeout);
        try
        {
            return Task.FromResult(new SqliteStore(path, options, logger ?? NullLogger.Instance, time ?? TimeProvider.System, connection));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The number of live watchers (for metrics and tests).</summary>
    public int WatcherCount => _broadcaster.Count;

    /// <inheritdoc />
    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return Task.FromResult(_writer.Revision);
    }

    /// <inheritdoc />
    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return Task.FromResult(_compactor.CompactedRevision);
    }

    /// <inheritdoc />
    public Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        EnqueueAsync(WriteKind.Create, key, value.ToArray(), 0, cancellationToken);

    /// <inheritdoc />
    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken) =>
        EnqueueAsync(WriteKind.Update, key, value.ToArray(), expectedModRevision, cancellationToken);

    /// <inheritdoc />
    public Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken) =>
        EnqueueAsync(WriteKind.Delete, key, [], expectedModRevision, cancellationToken);

    /// <inheritdoc />
    public Task CompactAsync(long revision, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        return _compactor.CompactAsync(revision, cancellationToken);
    }

    /// <summary>Drains queued writes, stops the compactor, ends watches and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _backgroundCompaction.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the compactor was stopped mid-run; its progress is durable.
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        _broadcaster.Close();
        _readers.Dispose();
        SqliteStoreLog.Closed(_logger, _path, _writer.Revision);
        _stopping.Dispose();
    }

    private Task<WriteResult> EnqueueAsync(WriteKind kind, string key, byte[] value, long expectedModRevision, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WriteResult>(cancellationToken);
        }

        return _writer.EnqueueAsync(new PendingWrite(kind, key, value, expectedModRevision, cancellationToken));
    }

    private async Task CompactPeriodicallyAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.CompactionInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var target = Math.Max(_writer.Revision - _options.RetainedRevisions, _compactor.CompactedRevision);
                await _compactor.CompactAsync(target, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                SqliteStoreLog.CompactionFailed(_logger, e);
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
