using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;

namespace Timonel.ApiServer.Tests.Proxy;

/// <summary>
/// An API server whose proxy subresources may reach loopback backends (upstream refuses them;
/// <see cref="ApiServerOptions.AllowLoopbackProxyTargets"/>), whose dial filter allows loopback
/// only and records every address it is asked about: an address that never shows up there was
/// never dialled.
/// </summary>
public sealed class ProxyFixture : ApiServerFixture, IDisposable
{
    private readonly Lazy<HttpClient> _raw;

    public ProxyFixture() => _raw = new(() => new HttpClient(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.GZip,
        // The server's certificate is the cluster's; what is tested here is behind it.
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    }) { BaseAddress = new Uri(Host.Url) });

    public ConcurrentQueue<IPAddress> Dials { get; } = new();

    protected override ApiServerOptions Configure(ApiServerOptions options) => options with
    {
        AllowLoopbackProxyTargets = true,
        KubeletDialFilter = address =>
        {
            Dials.Enqueue(address);
            return IPAddress.IsLoopback(address);
        },
    };

    internal async Task CreateAsync(string path, string json) =>
        ApiAssert.Code(201, await Client.PostAsync(path, JsonNode.Parse(json)!));

    /// <summary>A node at <paramref name="address"/> whose kubelet port is <paramref name="kubeletPort"/>.</summary>
    internal Task NodeAsync(string name, string address, int kubeletPort, bool simulated = false) =>
        CreateAsync("/api/v1/nodes", Fill(
            """{"metadata":{"name":"@NAME@","labels":{"timonel.dev/simulated":"@SIMULATED@"}},"status":{"addresses":[{"type":"InternalIP","address":"@ADDRESS@"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":@PORT@}}}}""",
            ("@NAME@", name), ("@SIMULATED@", simulated ? "true" : "false"), ("@ADDRESS@", address), ("@PORT@", Number(kubeletPort))));

    /// <summary>A pod on <paramref name="node"/> with <paramref name="ip"/> as its pod IP and one container port.</summary>
    internal async Task PodAsync(string ns, string name, string node, string? ip, int containerPort)
    {
        await CreateAsync($"/api/v1/namespaces/{ns}/pods", Fill(
            """{"metadata":{"name":"@NAME@"},"spec":{"nodeName":"@NODE@","containers":[{"name":"c","image":"busybox","ports":[{"containerPort":@PORT@}]}]}}""",
            ("@NAME@", name), ("@NODE@", node), ("@PORT@", Number(containerPort))));
        if (ip is not null)
        {
            ApiAssert.Code(200, await Client.PatchAsync($"/api/v1/namespaces/{ns}/pods/{name}/status",
                Fill("""{"status":{"phase":"Running","podIP":"@IP@","podIPs":[{"ip":"@IP@"}]}}""", ("@IP@", ip)), ApiClient.MergePatch));
        }
    }

    /// <summary>A Service with port 80 named "http" and Endpoints with the given ready pods (name, IP) on <paramref name="targetPort"/>.</summary>
    internal async Task ServiceAsync(string ns, string name, int targetPort, params (string Pod, string Ip)[] ready)
    {
        await CreateAsync($"/api/v1/namespaces/{ns}/services", Fill(
            """{"metadata":{"name":"@NAME@"},"spec":{"ports":[{"name":"http","port":80,"targetPort":@PORT@}]}}""", ("@NAME@", name), ("@PORT@", Number(targetPort))));
        var addresses = string.Join(',', ready.Select(r => Fill(
            """{"ip":"@IP@","targetRef":{"kind":"Pod","namespace":"@NS@","name":"@POD@"}}""", ("@IP@", r.Ip), ("@NS@", ns), ("@POD@", r.Pod))));
        var subsets = ready.Length == 0 ? "[]" : Fill(
            """[{"addresses":[@ADDRESSES@],"ports":[{"name":"http","port":@PORT@,"protocol":"TCP"}]}]""", ("@ADDRESSES@", addresses), ("@PORT@", Number(targetPort)));
        await CreateAsync($"/api/v1/namespaces/{ns}/endpoints", Fill("""{"metadata":{"name":"@NAME@"},"subsets":@SUBSETS@}""", ("@NAME@", name), ("@SUBSETS@", subsets)));
    }

    private static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Fill(string template, params (string Key, string Value)[] values) =>
        values.Aggregate(template, (text, v) => text.Replace(v.Key, v.Value, StringComparison.Ordinal));

    /// <summary>A namespace with a node and pod <paramref name="podName"/> whose IP and container port are a fresh loopback backend's.</summary>
    internal async Task<PodBehindProxy> PodBehindProxyAsync(string prefix, string podName = "web")
    {
        var backend = await LoopbackBackend.StartAsync();
        var ns = await NamespaceAsync(prefix);
        await NodeAsync($"{ns}-node", "127.0.0.1", 10250);
        await PodAsync(ns, podName, $"{ns}-node", "127.0.0.1", backend.Port);
        return new PodBehindProxy(backend, ns, $"/api/v1/namespaces/{ns}/pods/{podName}/proxy");
    }

    /// <summary>A GET as the admin that does not follow redirects (to see them) and undoes gzip.</summary>
    internal async Task<HttpResponseMessage> RawGetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Host.Pki.AdminToken);
        return await _raw.Value.SendAsync(request);
    }

    internal Task<ApiResponse> GetAsync(string path) => Client.GetAsync(path);

    internal ApiClient Api => Client;

    public void Dispose()
    {
        if (_raw.IsValueCreated)
        {
            _raw.Value.Dispose();
        }
    }
}

/// <summary>A pod whose IP and port are a loopback backend's, and the path prefix of its proxy.</summary>
internal sealed record PodBehindProxy(LoopbackBackend Backend, string Namespace, string Prefix) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Backend.DisposeAsync();
}
