using System.Runtime.CompilerServices;
using Grpc.Core;
using Timonel.Storage.Etcd.Protocol;

namespace Timonel.Storage.Etcd;

/// <summary>Watches: one etcd watch stream per <see cref="WatchAsync"/>, reconnected after transient failures.</summary>
public sealed partial class EtcdStore : IWatchProgressStore
{
    /// <inheritdoc />
    /// <remarks>
    /// etcd itself lets a watch start at the compacted revision; to keep <see cref="IStore"/>'s
    /// contract (history after a revision older than the compacted one is gone) a read at
    /// <c>afterRevision</c> is tried first. When the stream breaks (member killed, restarted,
    /// network) the watch opens a new one, on any member, from the revision after the last one
    /// it delivered, so the consumer sees no gap and no duplicate. It throws
    /// <see cref="StoreCompactedException"/> if that revision was compacted meanwhile, and
    /// <see cref="StoreUnavailableException"/> after <see cref="EtcdStoreOptions.WatchReconnectTimeout"/>
    /// without a member. Disposing the store ends the watch normally.
    /// </remarks>
    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken) =>
        WatchAsync(prefix, afterRevision, null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Set from the version of the member first reached when the store opened (upstream checks
    /// every member; a cluster downgraded under a running server is not noticed).
    /// </remarks>
    public bool SupportsWatchProgress { get; private set; }

    /// <inheritdoc />
    /// <remarks>
    /// A request becomes a <c>WatchProgressRequest</c> on the watch's stream. etcd before 3.4.24 /
    /// 3.5.8 (etcd-io/etcd#15220) answers it at once with its current revision, and the answer may
    /// overtake events still queued for the stream; fixed versions answer only when the watch is
    /// synced, in order. So an answer is reported only once a later answer, to a request sent
    /// after the first answer arrived, has come back: by then the events queued before the first
    /// answer have been sent (the stream sends them while the client's next request is on its
    /// way). That does not cover a watch still catching up (just (re)started from an older
    /// revision, or fallen behind), which old etcd answers for anyway: hence
    /// <see cref="SupportsWatchProgress"/> only on fixed versions. Periodic notices
    /// (<c>progress_notify</c>, sent in order with the events) are reported as they come.
    /// </remarks>
    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, WatchProgress? progress, CancellationToken cancellationToken) =>
        WatchWithProgressAsync(prefix, afterRevision, progress, cancellationToken);

    private async IAsyncEnumerable<WatchEvent> WatchWithProgressAsync(string prefix, long afterRevision, WatchProgress? progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        if (afterRevision > 0)
        {
            await ThrowIfCompactedAsync(afterRevision, cancellationToken).ConfigureAwait(false);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var token = linked.Token;
        var cursor = new WatchCursor(afterRevision);
        DateTime? unreachableSince = null;
        var backoff = TimeSpan.FromMilliseconds(100);

        while (!_stopping.IsCancellationRequested)
        {
            var member = _connection.Current;
            using var call = member.Watch.Watch(new CallOptions(cancellationToken: token));
            var stream = ReadStreamAsync(call, prefix, cursor, progress, token).GetAsyncEnumerator(token);
            Exception? broken = null;
            try
            {
                while (true)
                {
                    WatchEvent? next = null;
                    try
                    {
                        if (!await stream.MoveNextAsync().ConfigureAwait(false))
                        {
                            broken = new RpcException(new Status(StatusCode.Unavailable, "etcd closed the watch stream"));
                            break;
                        }

                        next = stream.Current;
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (RpcException e) when (EtcdConnection.IsUnreachable(e) || e.StatusCode == StatusCode.Cancelled)
                    {
                        broken = e;
                        break;
                    }

                    if (next is not null)
                    {
                        unreachableSince = null;
                        backoff = TimeSpan.FromMilliseconds(100);
                        yield return next;
                    }
                }
            }
            finally
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            if (broken is null)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (_stopping.IsCancellationRequested)
            {
                break;
            }

            var now = DateTime.UtcNow;
            unreachableSince ??= now;
            if (now - unreachableSince > _options.WatchReconnectTimeout)
            {
                throw _connection.Unavailable(broken);
            }

            EtcdStoreLog.WatchReconnecting(_logger, prefix, cursor.LastRevision, broken.Message);
            _connection.Fail(member);
            await Task.Delay(backoff, token).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Throws <see cref="StoreCompactedException"/> when history after <paramref name="afterRevision"/> is no longer kept.</summary>
    private async Task ThrowIfCompactedAsync(long afterRevision, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.CallAsync((m, o) => m.Kv.RangeAsync(new Protocol.RangeRequest { Key = EtcdKeys.Key("/"), CountOnly = true, Revision = afterRevision }, o), idempotent: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (IsCompacted(e))
        {
            throw new StoreCompactedException(afterRevision, await GetCompactedRevisionAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException e) when (IsFuture(e))
        {
            // A watch may start ahead of the store: it waits for that revision.
        }
    }

    /// <summary>Opens one watch on an open stream and yields its events until the stream ends or fails.</summary>
    private async IAsyncEnumerable<WatchEvent> ReadStreamAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, string prefix, WatchCursor cursor, WatchProgress? progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var create = new WatchCreateRequest
        {
            Key = EtcdKeys.RangeStart(prefix),
            RangeEnd = EtcdKeys.RangeEnd(prefix),
            StartRevision = cursor.LastRevision == 0 ? 0 : cursor.LastRevision + 1,
            PrevKv = true,
            ProgressNotify = true,
        };
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, cancellationToken).ConfigureAwait(false);
        var resumeAfter = cursor.LastRevision;
        using var stopRequests = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var requests = progress is null ? null : new ProgressRequests(call, progress);
        var sending = requests?.SendAsync(stopRequests.Token) ?? Task.CompletedTask;
        try
        {
            await foreach (var e in ReadResponsesAsync(call, cursor, resumeAfter, requests, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }
        }
        finally
        {
            await stopRequests.CancelAsync().ConfigureAwait(false);
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The responses of one open watch, as events; progress notices go to <paramref name="requests"/>.</summary>
    private static async IAsyncEnumerable<WatchEvent> ReadResponsesAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, WatchCursor cursor, long resumeAfter, ProgressRequests? requests, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.CompactRevision > 0)
            {
                throw new StoreCompactedException(cursor.LastRevision, response.CompactRevision);
            }

            if (response.Canceled)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "etcd canceled the watch: " + response.CancelReason));
            }

            if (response.Events.Count == 0)
            {
                // A created or progress notice: every event up to its revision has been sent.
                // A watch from "now" resumes after the creation revision if it must reconnect.
                if (response.Created)
                {
                    if (cursor.LastRevision == 0)
                    {
                        cursor.LastRevision = response.Header.Revision;
                    }
                }
                else
                {
                    requests?.Answered(response.WatchId == ProgressRequests.RequestedWatchId, response.Header.Revision);
                }

                continue;
            }

            foreach (var e in response.Events)
            {
                var watchEvent = EtcdKeys.ToWatchEvent(e);
                if (watchEvent.Revision <= resumeAfter)
                {
                    continue;
                }

                cursor.LastRevision = watchEvent.Revision;
                yield return watchEvent;
            }
        }
    }

    /// <summary>The last revision a watch delivered (or started after), shared across its reconnects.</summary>
    private sealed class WatchCursor(long lastRevision)
    {
        public long LastRevision { get; set; } = lastRevision;
    }
}
