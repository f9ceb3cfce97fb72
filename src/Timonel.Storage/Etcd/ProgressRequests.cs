using Grpc.Core;
using Timonel.Storage.Etcd.Protocol;

namespace Timonel.Storage.Etcd;

/// <summary>
/// One etcd watch stream's progress requests: sends a <c>WatchProgressRequest</c> for each of the
/// consumer's (merged) requests, and reports an answer only once it is known to be in order with
/// the events (see <see cref="EtcdStore.WatchAsync(string, long, WatchProgress?, CancellationToken)"/>).
/// </summary>
internal sealed class ProgressRequests(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, WatchProgress progress)
{
    /// <summary>The watch id etcd puts on the answer to a progress request (it concerns every watch of the stream).</summary>
    public const long RequestedWatchId = -1;

    // Requests written so far; counted before the write, so a request in flight counts as sent
    // before an answer that arrives meanwhile (the safe side).
    private long _sent;

    // The following fields are touched by the stream's reading loop only.
    private long _answers;
    private long _held = -1;
    private long _sentWhenHeld;

    /// <summary>Writes one progress request per consumer request until cancelled (the stream's only writer after the create).</summary>
    public async Task SendAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await progress.WaitForRequestAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _sent);
            await call.RequestStream.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A response without events that is no creation: an answer to a request, or a periodic notice.</summary>
    public void Answered(bool requested, long revision)
    {
        if (!requested)
        {
            // progress_notify's periodic notice travels with the events: in order on every version.
            progress.Report(revision);
            return;
        }

        // etcd answers requests in the order they were sent, at most once each: answer number k
        // answers request k or a later one.
        _answers++;
        if (_held < 0)
        {
            _held = revision;
            _sentWhenHeld = Interlocked.Read(ref _sent);
            progress.Request();
            return;
        }

        if (_answers > _sentWhenHeld)
        {
            // This answers a request sent after the held answer arrived: the held one is in order.
            var held = _held;
            _held = -1;
            progress.Report(held);
        }
    }
}
