using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using k8s.Models;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Network;

namespace Timonel.Kubelet.Pods;

/// <summary>The outcome of one probe or hook run.</summary>
public readonly record struct ProbeOutcome(bool Success, string Message);

/// <summary>
/// Runs one check of a probe (exec, httpGet, tcpSocket, grpc) or a lifecycle handler against a
/// running container, from the node's network as upstream's kubelet does.
/// </summary>
public sealed class Prober
{
    private readonly IContainerRuntime _runtime;
    private readonly NodeNetwork _network;

    public Prober(IContainerRuntime runtime, NodeNetwork network)
    {
        _runtime = runtime;
        _network = network;
    }

    /// <summary>
    /// True on hollow nodes: httpGet, tcpSocket and grpc checks succeed without a connection, since
    /// the pod addresses are fake and dialling them could reach a real host. Exec checks still run
    /// (through the runtime, which answers them).
    /// </summary>
    public bool DialsNothing { get; init; }

    public Task<ProbeOutcome> RunAsync(V1Probe probe, V1Container container, string containerId, string? podIp, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        if (probe.Exec is { } exec)
        {
            return ExecAsync(exec.Command ?? [], containerId, timeout, probe: true, cancellationToken);
        }

        if (DialsNothing)
        {
            return Task.FromResult(new ProbeOutcome(true, string.Empty));
        }

        if (probe.HttpGet is { } http)
        {
            return HttpGetAsync(http, container, podIp, timeout, cancellationToken);
        }

        if (probe.TcpSocket is { } tcp)
        {
            return TcpAsync(tcp.Host ?? podIp, ResolvePort(tcp.Port, container), timeout, cancellationToken);
        }

        if (probe.Grpc is { } grpc)
        {
            return GrpcAsync(podIp, grpc.Port, grpc.Service ?? string.Empty, timeout, cancellationToken);
        }

        return Task.FromResult(new ProbeOutcome(false, "probe has no handler"));
    }

    /// <summary>A postStart or preStop handler (exec, httpGet, sleep).</summary>
    public async Task<ProbeOutcome> RunHandlerAsync(V1LifecycleHandler handler, V1Container container, string containerId, string? podIp, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (handler.Exec is { } exec)
        {
            return await ExecAsync(exec.Command ?? [], containerId, timeout, probe: false, cancellationToken).ConfigureAwait(false);
        }

        if (handler.HttpGet is { } http)
        {
            if (DialsNothing)
            {
                return new ProbeOutcome(true, string.Empty);
            }

            return await HttpGetAsync(http, container, podIp, timeout, cancellationToken).ConfigureAwait(false);
        }

        if (handler.Sleep is { } sleep)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(sleep.Seconds, timeout.TotalSeconds)), cancellationToken).ConfigureAwait(false);
            return new ProbeOutcome(true, string.Empty);
        }

        return new ProbeOutcome(false, "handler has no action");
    }

    /// <param name="probe">A probe's failure says only the command's output, as upstream's exec prober (the Unhealthy event quotes it); a hook's says the exit code too.</param>
    private async Task<ProbeOutcome> ExecAsync(IList<string> command, string containerId, TimeSpan timeout, bool probe, CancellationToken cancellationToken)
    {
        if (command.Count == 0)
        {
            return new ProbeOutcome(false, "exec command is empty");
        }

        try
        {
            var response = await _runtime.ExecSyncAsync(containerId, [.. command], timeout, cancellationToken).ConfigureAwait(false);
            var output = (response.Stdout.ToStringUtf8() + response.Stderr.ToStringUtf8()).Trim();
            return response.ExitCode == 0
                ? new ProbeOutcome(true, output)
                : new ProbeOutcome(false, probe ? output : $"command exited with {response.ExitCode}: {output}");
        }
        catch (RpcException e)
        {
            return new ProbeOutcome(false, e.Status.Detail);
        }
    }

    private async Task<ProbeOutcome> HttpGetAsync(V1HTTPGetAction http, V1Container container, string? podIp, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var host = string.IsNullOrEmpty(http.Host) ? podIp : http.Host;
        if (host is null)
        {
            return new ProbeOutcome(false, "pod has no IP yet");
        }

        var scheme = string.Equals(http.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var path = string.IsNullOrEmpty(http.Path) ? "/" : http.Path.StartsWith('/') ? http.Path : "/" + http.Path;
        var uri = new Uri($"{scheme}://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{ResolvePort(http.Port, container)}{path}");
        using var client = _network.CreateHttpClient(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.UserAgent.ParseAdd("kube-probe/1.33");
        foreach (var header in http.HttpHeaders ?? [])
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }

        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400 ? new ProbeOutcome(true, string.Empty) : new ProbeOutcome(false, $"HTTP probe failed with statuscode: {code}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or SocketException)
        {
            return new ProbeOutcome(false, $"Get \"{uri}\": {e.Message}");
        }
    }

    private async Task<ProbeOutcome> TcpAsync(string? host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (host is null || !IPAddress.TryParse(host, out var address))
        {
            return new ProbeOutcome(false, "pod has no IP yet");
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var socket = await _network.ConnectAsync(new IPEndPoint(address, port), cts.Token).ConfigureAwait(false);
            return new ProbeOutcome(true, string.Empty);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return new ProbeOutcome(false, $"dial tcp {host}:{port}: {e.Message}");
        }
    }

    private async Task<ProbeOutcome> GrpcAsync(string? podIp, int port, string service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (podIp is null)
        {
            return new ProbeOutcome(false, "pod has no IP yet");
        }

        try
        {
            var serving = await GrpcHealthCheck.CheckAsync(_network, podIp, port, service, timeout, cancellationToken).ConfigureAwait(false);
            return serving ? new ProbeOutcome(true, string.Empty) : new ProbeOutcome(false, "service unhealthy (responded with \"NOT_SERVING\")");
        }
        catch (Exception e) when (e is RpcException or HttpRequestException or IOException or OperationCanceledException)
        {
            return new ProbeOutcome(false, $"failed to connect service \"{podIp}:{port}\" within {timeout.TotalSeconds}s: {e.Message}");
        }
    }

    /// <summary>A named or numbered container port ("http" → the port named http).</summary>
    public static int ResolvePort(IntOrString port, V1Container container)
    {
        var text = port.Value;
        if (int.TryParse(text, out var number))
        {
            return number;
        }

        return container.Ports?.FirstOrDefault(p => p.Name == text)?.ContainerPort
            ?? throw new InvalidOperationException($"container {container.Name} has no port named \"{text}\"");
    }
}
