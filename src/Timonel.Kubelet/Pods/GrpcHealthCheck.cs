using Grpc.Core;
using Grpc.Net.Client;
using Timonel.Kubelet.Network;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// A client for grpc.health.v1.Health/Check without generated code: the request holds one
/// string (field 1, the service) and the answer one enum (field 1; SERVING = 1).
/// </summary>
internal static class GrpcHealthCheck
{
    private static readonly Method<string, string> Check = new(
        MethodType.Unary,
        "grpc.health.v1.Health",
        "Check",
        Marshallers.Create(EncodeRequest, _ => string.Empty),
        Marshallers.Create(_ => [], d => DecodeStatus(d).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static async Task<bool> CheckAsync(NodeNetwork network, string host, int port, string service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
                new System.Net.Sockets.NetworkStream(await network.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(host), port), ct).ConfigureAwait(false), ownsSocket: true),
        };
        using var channel = GrpcChannel.ForAddress($"http://{host}:{port}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var invoker = channel.CreateCallInvoker();
        var status = await invoker.AsyncUnaryCall(Check, null, new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken), service).ResponseAsync.ConfigureAwait(false);
        return status == "1";
    }

    private static byte[] EncodeRequest(string service)
    {
        if (service.Length == 0)
        {
            return [];
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(service);
        using var stream = new MemoryStream();
        using (var output = new Google.Protobuf.CodedOutputStream(stream, leaveOpen: true))
        {
            output.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            output.WriteBytes(Google.Protobuf.ByteString.CopyFrom(bytes));
        }

        return stream.ToArray();
    }

    private static int DecodeStatus(byte[] data)
    {
        var input = new Google.Protobuf.CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Google.Protobuf.WireFormat.GetTagFieldNumber(tag) == 1)
            {
                return input.ReadEnum();
            }

            input.SkipLastField();
        }

        return 0;
    }
}
