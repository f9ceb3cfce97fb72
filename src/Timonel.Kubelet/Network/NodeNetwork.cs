using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Timonel.Kubelet.Native;

namespace Timonel.Kubelet.Network;

/// <summary>
/// Opens TCP connections from the node's network: the machine's own, or a network namespace
/// when the agent's node lives in one (tests). A socket belongs to the namespace it was created
/// in, so only its creation happens on a short-lived thread that enters the namespace; the
/// connection itself is ordinary async I/O.
/// </summary>
public sealed class NodeNetwork
{
    private readonly string? _netnsPath;

    public NodeNetwork(string? netnsPath)
    {
        _netnsPath = netnsPath;
    }

    public async Task<Socket> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        var family = endPoint.AddressFamily;
        var socket = await CreateSocketAsync(family, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A TCP socket bound and listening in the node's network (the kubelet's server).</summary>
    public async Task<Socket> ListenAsync(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = await CreateSocketAsync(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HttpClient whose connections start in the node's network (httpGet probes and hooks, tests).</summary>
    public HttpClient CreateHttpClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = true,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (context, ct) =>
            {
                var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var ip)
                    ? [ip]
                    : await System.Net.Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct).ConfigureAwait(false);
                var socket = await ConnectAsync(new IPEndPoint(addresses[0], context.DnsEndPoint.Port), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        return new HttpClient(handler) { Timeout = timeout };
    }

    /// <summary>A socket of the node's network (listeners too: the node's DNS server binds through this).</summary>
    public Task<Socket> CreateSocketAsync(AddressFamily family, SocketType type, ProtocolType protocol) =>
        _netnsPath is null ? Task.FromResult(new Socket(family, type, protocol)) : CreateInNamespaceAsync(family, type, protocol);

    private Task<Socket> CreateInNamespaceAsync(AddressFamily family, SocketType type, ProtocolType protocol)
    {
        var done = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle(_netnsPath!, FileMode.Open, FileAccess.Read);
                done.SetResult(CreateIn(target, family, type, protocol));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns-socket",
        };
        thread.Start();
        return done.Task;
    }

    private static Socket CreateIn(SafeFileHandle target, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        // The thread ends right after: it never runs other code in the namespace, and a thread
        // that changed namespace is not returned to a pool.
        if (Libc.setns((int)target.DangerousGetHandle(), Libc.CLONE_NEWNET) != 0)
        {
            throw new IOException($"setns to the node network failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        return new Socket(family, type, protocol);
    }
}
