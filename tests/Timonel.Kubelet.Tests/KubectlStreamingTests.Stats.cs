using System.Net.Http;
using System.Net.Security;
using System.Text.Json.Nodes;
using Timonel.Kubelet.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests;

/// <summary>Resource usage of real containers through the kubelet server (containerd's CRI ListContainerStats).</summary>
public sealed partial class KubectlStreamingTests
{
    [RootFact]
    public async Task StatsSummary_BusyContainer_ShowsCpuAboveZero()
    {
        var pod = await RunningAsync(Pod("busy", "while :; do :; done"));
        var ns = pod.Metadata.NamespaceProperty;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ClientCertificates = [_f.Cluster.Host.Pki.AdminCertificate],
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        var baseUrl = $"https://127.0.0.1:{_f.Agent.ServerPort}";

        // The rate needs two summaries some real time apart: poll until the second one shows it.
        var container = await Eventually.WaitAsync(async ct =>
        {
            var summary = JsonNode.Parse(await http.GetStringAsync(new Uri(baseUrl + "/stats/summary"), ct))!;
            var busy = summary["pods"]!.AsArray().SingleOrDefault(p => (string?)p!["podRef"]!["namespace"] == ns)?["containers"]!.AsArray().SingleOrDefault(c => (string?)c!["name"] == "main");
            return busy?["cpu"]?["usageNanoCores"] is { } rate && (ulong)rate > 0 ? busy : null;
        }, TimeSpan.FromSeconds(30), "a usageNanoCores above zero for the busy container");
        var metrics = await http.GetStringAsync(new Uri(baseUrl + "/metrics/resource"));

        Assert.True((ulong)container["cpu"]!["usageCoreNanoSeconds"]! > 0);
        Assert.True((ulong)container["memory"]!["workingSetBytes"]! > 0);
        // containerd stamps each reading; a missing stamp would read as 1970.
        Assert.True(DateTimeOffset.Parse((string)container["memory"]!["time"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddMinutes(-5), container.ToJsonString());
        var line = metrics.Split('\n').Single(l => l.StartsWith($"container_cpu_usage_seconds_total{{container=\"main\",namespace=\"{ns}\",pod=\"busy\"}} ", StringComparison.Ordinal));
        Assert.True(double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > 0, line);
        Assert.Contains("node_cpu_usage_seconds_total ", metrics, StringComparison.Ordinal);
        Assert.EndsWith("scrape_error 0\n", metrics, StringComparison.Ordinal);
    }
}
