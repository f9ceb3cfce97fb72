using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Storage.Etcd.Protocol;
using EtcdRange = Timonel.Storage.Etcd.Protocol.RangeRequest;

namespace Timonel.Storage.Etcd;

/// <summary>
/// <see cref="IStore"/> on an etcd v3 cluster over gRPC. Keys and revisions are etcd's own, so
/// etcdctl shows exactly what Timonel wrote and resourceVersions are etcd mod revisions, as with
/// kube-apiserver.
/// </summary>
/// <remarks>
/// Beyond <see cref="IStore"/>'s contract:
/// <list type="bullet">
/// <item>An empty etcd is at revision 1, not 0 (etcd's first revision).</item>
/// <item>Create, update and delete are single transactions comparing the key's create or mod
/// revision, so they are atomic across any number of API servers.</item>
/// <item>Every call may throw <see cref="StoreUnavailableException"/> when no member answers
/// within <see cref="EtcdStoreOptions.RequestTimeout"/>; calls fail over between members.</item>
/// <item>Watches reconnect (to any member) after transient errors and resume after the last
/// revision they delivered; see <see cref="WatchAsync"/>.</item>
/// </list>
/// </remarks>
public sealed partial class EtcdStore : IStore
{
    /// <summary>The component name to create this store's logger with.</summary>
    public const string ComponentName = "etcd-store";

    private readonly EtcdConnection _connection;
    private readonly EtcdStoreOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _backgroundCompaction;
    private long _knownCompacted;
    private int _disposed;

    private EtcdStore(EtcdConnection connection, EtcdStoreOptions options, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logger = logger;
        _backgroundCompaction = options.CompactionInterval > TimeSpan.Zero
            ? Task.Run(() => CompactPeriodicallyAsync(_stopping.Token))
            : Task.CompletedTask;
    }

    /// <summary>
    /// Connects to the cluster and checks that a member answers; throws
    /// <see cref="StoreUnavailableException"/> (one attempt per member) when none does, and
    /// <see cref="ArgumentException"/> for bad options or TLS files.
    /// </summary>
    public static async Task<EtcdStore> OpenAsync(EtcdStoreOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var connection = new EtcdConnection(options);
        var store = new EtcdStore(connection, options, logger ?? NullLogger.Instance);
        try
        {
            var status = await connection.CallAsync((m, o) => m.Maintenance.StatusAsync(new StatusRequest(), o), idempotent: true, cancellationToken).ConfigureAwait(false);
            EtcdStoreLog.Opened(store._logger, connection.EndpointList, status.Version, status.Header.Revision);
            store.SupportsWatchProgress = options.TrustOldEtcdProgress || EtcdVersions.OrdersProgress(status.Version);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The endpoints this store talks to, comma-separated.</summary>
    public string Endpoints => _connection.EndpointList;

    /// <inheritdoc />
    public async Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var response = await RangeRawAsync(new EtcdRange { Key = EtcdKeys.Key("/"), CountOnly = true }, cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <inheritdoc />
    /// <remarks>
    /// etcd does not report its compacted revision, so this finds it: the lowest revision a
    /// read still succeeds at, by binary search above the last one found.
    /// </remarks>
    public async Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var low = Math.Max(Volatile.Read(ref _knownCompacted), 1);
        var high = await GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
        if (await IsReadableAtAsync(low, cancellationToken).ConfigureAwait(false))
        {
            return Volatile.Read(ref _knownCompacted);
        }

        while (low + 1 < high)
        {
            var middle = low + ((high - low) / 2);
            if (await IsReadableAtAsync(middle, cancellationToken).ConfigureAwait(false))
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        NoteCompacted(high);
        return high;
    }

    /// <inheritdoc />
    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(key);
        var response = await RangeRawAsync(new EtcdRange { Key = EtcdKeys.Key(key) }, cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : EtcdKeys.ToKeyValue(response.Kvs[0]);
    }

    /// <inheritdoc />
    public async Task<RangeResult> RangeAsync(Storage.RangeRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prefix, nameof(request.Prefix));
        ArgumentOutOfRangeException.ThrowIfNegative(request.Limit, nameof(request.Limit));
        ArgumentOutOfRangeException.ThrowIfNegative(request.Revision, nameof(request.Revision));

        var range = new EtcdRange
        {
            Key = request.StartAfterKey is null ? EtcdKeys.RangeStart(request.Prefix) : EtcdKeys.After(request.StartAfterKey),
            RangeEnd = EtcdKeys.RangeEnd(request.Prefix),
            Limit = request.Limit,
            Revision = request.Revision,
            CountOnly = request.CountOnly,
        };
        var response = await RangeRawAsync(range, cancellationToken).ConfigureAwait(false);
        var items = response.Kvs.Select(EtcdKeys.ToKeyValue).ToList();
        var revision = request.Revision == 0 ? response.Header.Revision : request.Revision;
        return new RangeResult(items, revision, response.More, response.Count);
    }

    /// <inheritdoc />
    public Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(key);
        var compare = new Compare { Key = EtcdKeys.Key(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 };
        return PutIfAsync(key, value, compare, cancellationToken);
    }

    /// <inheritdoc />
    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        return PutIfAsync(key, value, ExistsAt(key, expectedModRevision), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        var txn = new TxnRequest();
        txn.Compare.Add(ExistsAt(key, expectedModRevision));
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = EtcdKeys.Key(key), PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new EtcdRange { Key = EtcdKeys.Key(key) } });
        var response = await TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            return Failed(response);
        }

        var deleted = response.Responses[0].ResponseDeleteRange.PrevKvs;
        return new WriteResult(true, response.Header.Revision, deleted.Count == 0 ? null : EtcdKeys.ToKeyValue(deleted[0]));
    }

    /// <inheritdoc />
    /// <remarks>Compacting at or below the compacted revision does nothing; above the current revision throws <see cref="ArgumentOutOfRangeException"/>.</remarks>
    public async Task CompactAsync(long revision, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        if (revision == 0)
        {
            return;
        }

        try
        {
            await _connection.CallAsync((m, o) => m.Kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, o), idempotent: true, cancellationToken).ConfigureAwait(false);
            NoteCompacted(revision);
        }
        catch (RpcException e) when (IsCompacted(e))
        {
            // Already compacted at or past this revision.
        }
        catch (RpcException e) when (IsFuture(e))
        {
            throw new ArgumentOutOfRangeException(nameof(revision), revision, $"revision {revision} is newer than the current revision");
        }
    }

    /// <summary>Stops compaction, ends watches and closes the connections.</summary>
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
            // Expected: stopped between or during runs.
        }

        _connection.Dispose();
        _stopping.Dispose();
    }

    private static Compare ExistsAt(string key, long expectedModRevision) => expectedModRevision == 0
        ? new Compare { Key = EtcdKeys.Key(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = 0 }
        : new Compare { Key = EtcdKeys.Key(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedModRevision };

    private async Task<WriteResult> PutIfAsync(string key, ReadOnlyMemory<byte> value, Compare compare, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(compare);
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = EtcdKeys.Key(key), Value = Google.Protobuf.ByteString.CopyFrom(value.Span), PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new EtcdRange { Key = EtcdKeys.Key(key) } });
        var response = await TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            return Failed(response);
        }

        var revision = response.Header.Revision;
        var previous = response.Responses[0].ResponsePut.PrevKv;
        var created = previous is { CreateRevision: > 0 } ? previous.CreateRevision : revision;
        return new WriteResult(true, revision, new KeyValue(key, value.ToArray(), created, revision));
    }

    private static WriteResult Failed(TxnResponse response)
    {
        var kvs = response.Responses[0].ResponseRange.Kvs;
        return new WriteResult(false, response.Header.Revision, kvs.Count == 0 ? null : EtcdKeys.ToKeyValue(kvs[0]));
    }

    private Task<TxnResponse> TxnAsync(TxnRequest txn, CancellationToken cancellationToken) =>
        _connection.CallAsync((m, o) => m.Kv.TxnAsync(txn, o), idempotent: false, cancellationToken);

    private async Task<RangeResponse> RangeRawAsync(EtcdRange range, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.CallAsync((m, o) => m.Kv.RangeAsync(range, o), idempotent: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (IsCompacted(e))
        {
            var compacted = await GetCompactedRevisionAsync(cancellationToken).ConfigureAwait(false);
            throw new StoreCompactedException(range.Revision, compacted);
        }
        catch (RpcException e) when (IsFuture(e))
        {
            throw new ArgumentOutOfRangeException(nameof(range), range.Revision, $"revision {range.Revision} is newer than the current revision");
        }
    }

    private async Task<bool> IsReadableAtAsync(long revision, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.CallAsync((m, o) => m.Kv.RangeAsync(new EtcdRange { Key = EtcdKeys.Key("/"), CountOnly = true, Revision = revision }, o), idempotent: true, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RpcException e) when (IsCompacted(e))
        {
            return false;
        }
    }

    private void NoteCompacted(long revision)
    {
        long seen;
        do
        {
            seen = Volatile.Read(ref _knownCompacted);
        }
        while (revision > seen && Interlocked.CompareExchange(ref _knownCompacted, revision, seen) != seen);
    }

    internal static bool IsCompacted(RpcException e) =>
        e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains("compacted", StringComparison.Ordinal);

    private static bool IsFuture(RpcException e) =>
        e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains("future", StringComparison.Ordinal);

    private async Task CompactPeriodicallyAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.CompactionInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var target = await GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false) - _options.RetainedRevisions;
                if (target > Volatile.Read(ref _knownCompacted))
                {
                    await CompactAsync(target, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                EtcdStoreLog.CompactionFailed(_logger, e);
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
