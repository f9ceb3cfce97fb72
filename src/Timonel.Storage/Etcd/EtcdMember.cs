using Grpc.Net.Client;
using Timonel.Storage.Etcd.Protocol;

namespace Timonel.Storage.Etcd;

/// <summary>One member's endpoint: its gRPC channel and the service clients bound to it.</summary>
internal sealed class EtcdMember : IDisposable
{
    private readonly GrpcChannel _channel;

    public EtcdMember(Uri endpoint, HttpMessageHandler handler)
    {
        Endpoint = endpoint;
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            // An HttpClient (not a handler) so the channel sends each call straight through it
            // instead of keeping subchannel state with reconnect backoff: failover between
            // members is done by EtcdConnection, and a restarted member must be usable at once.
            HttpClient = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan },
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        Kv = new KV.KVClient(_channel);
        Watch = new Watch.WatchClient(_channel);
        Lease = new Lease.LeaseClient(_channel);
        Maintenance = new Maintenance.MaintenanceClient(_channel);
    }

    public Uri Endpoint { get; }

    public KV.KVClient Kv { get; }

    public Watch.WatchClient Watch { get; }

    public Lease.LeaseClient Lease { get; }

    public Maintenance.MaintenanceClient Maintenance { get; }

    public void Dispose() => _channel.Dispose();
}
