using System.Net.Sockets;

namespace Timonel.Client.Tests.LeaderElection;

/// <summary>Cuts one client off the API server on demand, as a network partition would.</summary>
internal sealed class PartitionHandler : DelegatingHandler
{
    public volatile bool Partitioned;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Partitioned
            ? Task.FromException<HttpResponseMessage>(new HttpRequestException("partitioned by the test", new SocketException((int)SocketError.NetworkUnreachable)))
            : base.SendAsync(request, cancellationToken);
}
