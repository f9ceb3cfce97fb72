using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.Aggregation;

/// <summary>
/// An API server whose connections (kubelets, extension API servers) may reach loopback only:
/// any other address is refused before a packet is sent and recorded in <see cref="RefusedDials"/>;
/// loopback addresses it dials are recorded in <see cref="Dialled"/>. APIServices are checked
/// every 200 ms so availability changes show quickly, and their OpenAPI fetched again every second.
/// </summary>
public sealed class AggregationFixture : ApiServerFixture
{
    public ConcurrentQueue<IPAddress> RefusedDials { get; } = new();

    public ConcurrentQueue<IPAddress> Dialled { get; } = new();

    protected override ApiServerOptions Configure(ApiServerOptions options) => options with
    {
        AggregatorCheckInterval = TimeSpan.FromMilliseconds(200),
        AggregatorOpenApiRefreshInterval = TimeSpan.FromSeconds(1),
        KubeletDialFilter = address =>
        {
            if (IPAddress.IsLoopback(address))
            {
                Dialled.Enqueue(address);
                return true;
            }

            RefusedDials.Enqueue(address);
            return false;
        },
    };

    /// <summary>A ClusterIP Service on port 443 and an EndpointSlice giving it <paramref name="address"/>:<paramref name="port"/>.</summary>
    internal async Task ServeAtAsync(string ns, string service, string address, int port, bool ready = true, string? nodeName = null)
    {
        var created = await Client.PostAsync($"/api/v1/namespaces/{ns}/services", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = service },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 443, ["targetPort"] = port }) },
        });
        Assert.True(created.Code == 201, created.ToString());
        await SliceAsync(ns, service, address, port, ready, nodeName);
    }

    internal async Task SliceAsync(string ns, string service, string address, int port, bool ready = true, string? nodeName = null)
    {
        var endpoint = new JsonObject { ["addresses"] = new JsonArray(address), ["conditions"] = new JsonObject { ["ready"] = ready } };
        if (nodeName is not null)
        {
            endpoint["nodeName"] = nodeName;
        }

        var slice = await Client.PostAsync($"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices", new JsonObject
        {
            ["metadata"] = new JsonObject { ["generateName"] = service + "-", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service } },
            ["addressType"] = "IPv4",
            ["endpoints"] = new JsonArray(endpoint),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "", ["port"] = port, ["protocol"] = "TCP" }),
        });
        Assert.True(slice.Code == 201, slice.ToString());
    }

    /// <summary>The APIService's Available condition (null while it has none).</summary>
    internal async Task<JsonObject?> AvailableAsync(string name)
    {
        var got = await Client.GetAsync($"/apis/apiregistration.k8s.io/v1/apiservices/{name}");
        return (got.Body?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => ApiResponse.Str(c["type"]) == "Available");
    }

    /// <summary>Waits until the Available condition has <paramref name="reason"/>, and returns it.</summary>
    internal Task<JsonObject> WaitForReasonAsync(string name, string reason) =>
        Timonel.Testing.Eventually.WaitAsync(
            async _ => await AvailableAsync(name) is { } c && ApiResponse.Str(c["reason"]) == reason ? c : null,
            TimeSpan.FromSeconds(30),
            $"APIService {name} to have reason {reason}");

    /// <summary>The front-proxy CA bundle the server published for extension API servers.</summary>
    internal async Task<string> RequestHeaderCaAsync()
    {
        var configMap = await Client.GetAsync("/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication");
        return ApiResponse.Str(configMap.Body?["data"]?["requestheader-client-ca-file"]) ?? throw new InvalidOperationException(configMap.ToString());
    }

    internal static string ApiServiceYaml(string group, string version, string ns, string service, string? caBundle, bool insecure = false) => $"""
        apiVersion: apiregistration.k8s.io/v1
        kind: APIService
        metadata:
          name: {version}.{group}
        spec:
          group: {group}
          version: {version}
          groupPriorityMinimum: 1000
          versionPriority: 15
          insecureSkipTLSVerify: {(insecure ? "true" : "false")}
          service:
            namespace: {ns}
            name: {service}
            port: 443
        {(caBundle is null ? "" : $"  caBundle: {caBundle}")}
        """;
}
