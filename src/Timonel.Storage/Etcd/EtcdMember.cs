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
            HttpHandler = handler,
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
