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
public sealed class ProxyFixture : ApiServerFixture
{
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

    internal Task<ApiResponse> GetAsync(string path) => Client.GetAsync(path);

    internal ApiClient Api => Client;
}
