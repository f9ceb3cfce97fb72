using System.Net.Sockets;
using Grpc.Core;

namespace Timonel.Storage.Etcd;

/// <summary>
/// The members of one cluster and which one is in use. A call goes to the current member;
/// when that member cannot be reached it moves on to the next, and after every member has
/// failed the call throws <see cref="StoreUnavailableException"/>.
/// </summary>
/// <remarks>
/// A write is retried on another member only when the failed attempt never reached etcd (the
/// connection could not be opened); after a timeout it may have been applied, so it is not
/// repeated and the caller sees <see cref="StoreUnavailableException"/>.
/// </remarks>
internal sealed class EtcdConnection : IDisposable
{
    private readonly EtcdMember[] _members;
    private readonly TimeSpan _requestTimeout;
    private int _current;

    public EtcdConnection(EtcdStoreOptions options)
    {
        var (roots, client) = EtcdHandlers.LoadTls(options);
        _members = options.Endpoints.Select(e => new EtcdMember(e, EtcdHandlers.Create(options, roots, client))).ToArray();
        _requestTimeout = options.RequestTimeout;
    }

    public string EndpointList => string.Join(",", _members.Select(m => m.Endpoint.ToString().TrimEnd('/')));

    /// <summary>The member calls go to now.</summary>
    public EtcdMember Current => _members[Volatile.Read(ref _current) % _members.Length];

    /// <summary>Moves on from <paramref name="failed"/> to the next member (unless another caller already did).</summary>
    public void Fail(EtcdMember failed)
    {
        var index = Array.IndexOf(_members, failed);
        Interlocked.CompareExchange(ref _current, (index + 1) % _members.Length, index);
    }

    public int MemberCount => _members.Length;

    /// <summary>Runs a unary call with failover; see the type's remarks for when it is repeated.</summary>
    public async Task<T> CallAsync<T>(Func<EtcdMember, CallOptions, AsyncUnaryCall<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < _members.Length; attempt++)
        {
            var member = Current;
            try
            {
                var options = new CallOptions(deadline: DateTime.UtcNow + _requestTimeout, cancellationToken: cancellationToken);
                return await call(member, options).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException e) when (IsUnreachable(e))
            {
                last = e;
                Fail(member);
                if (!idempotent && !NeverSent(e))
                {
                    break;
                }
            }
        }

        throw Unavailable(last);
    }

    public StoreUnavailableException Unavailable(Exception? cause) =>
        new($"etcd at {EndpointList} is not reachable: {Describe(cause)}", cause ?? new InvalidOperationException("no attempt made"));

    /// <summary>Errors after which another member (or a later attempt) may succeed.</summary>
    public static bool IsUnreachable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
        && !e.Status.Detail.Contains("mvcc:", StringComparison.Ordinal);

    /// <summary>True when the request cannot have reached etcd: the connection itself failed.</summary>
    private static bool NeverSent(RpcException e)
    {
        for (Exception? inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException or TimeoutException || inner is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError })
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(Exception? cause) => cause switch
    {
        RpcException { StatusCode: StatusCode.DeadlineExceeded } => "request timed out",
        RpcException r when r.Status.DebugException is { } inner => Innermost(inner).Message,
        RpcException r => r.Status.Detail,
        null => "no member answered",
        _ => cause.Message,
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    public void Dispose()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }
    }
}
