using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Timonel.Kubelet.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests;

/// <summary>`kubectl port-forward`, `cp`, interactive `exec -it`, `attach`, and the kubelet server's own authentication.</summary>
public sealed partial class KubectlStreamingTests : IClassFixture<StreamingFixture>
{
    private readonly StreamingFixture _f;

    public KubectlStreamingTests(StreamingFixture fixture)
    {
        _f = fixture;
    }

    [RootFact]
    public async Task PortForward_BusyboxHttpd_ReachableOnLoopback()
    {
        var pod = await RunningAsync(Pod("web", "mkdir -p /www && echo hello-forwarded > /www/index.html && exec httpd -f -p 8080 -h /www"));
        foreach (var binary in new[] { KubectlRunner.Latest, KubectlRunner.Oldest })
        {
            await using var forward = new BackgroundProcess(_f.Kubectl(binary).StartInfo(["port-forward", "-n", pod.Metadata.NamespaceProperty, "pod/web", ":8080"]));
            var port = await ForwardedPortAsync(forward);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/index.html"));
            var again = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/index.html"));

            Assert.Equal("hello-forwarded\n", body);
            Assert.Equal(body, again);
        }
    }

    [RootFact]
    public async Task PortForward_ClosedPort_ReportsErrorAndExits()
    {
        var pod = await RunningAsync(Pod("closed", "exec sleep 1000"));
        await using var forward = new BackgroundProcess(_f.Kubectl().StartInfo(["port-forward", "-n", pod.Metadata.NamespaceProperty, "pod/closed", ":9999"]));
        var port = await ForwardedPortAsync(forward);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));

        Assert.True(await forward.WaitForExitAsync(TimeSpan.FromSeconds(15)), "kubectl port-forward kept running after the forwarded connection failed");
        Assert.NotEqual(0, forward.ExitCode);
        Assert.Contains("9999", await forward.StderrAsync(), StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Cp_BothWays_CopiesFileContents()
    {
        var pod = await RunningAsync(Pod("files", "echo from-the-pod > /tmp/inside.txt; exec sleep 1000"));
        var ns = pod.Metadata.NamespaceProperty;
        var local = Directory.CreateTempSubdirectory("timonel-cp-").FullName;
        try
        {
            var upload = Path.Combine(local, "up.txt");
            await File.WriteAllTextAsync(upload, "from-the-test\n");
            var kubectl = _f.Kubectl();

            var put = await kubectl.RunAsync("cp", upload, $"{ns}/files:/tmp/up.txt");
            var check = await kubectl.RunAsync("exec", "-n", ns, "files", "--", "cat", "/tmp/up.txt");
            var get = await kubectl.RunAsync("cp", $"{ns}/files:/tmp/inside.txt", Path.Combine(local, "down.txt"));

            Assert.True(put.ExitCode == 0, put.Stderr);
            Assert.Equal("from-the-test\n", check.Stdout);
            Assert.True(get.ExitCode == 0, get.Stderr);
            Assert.Equal("from-the-pod\n", await File.ReadAllTextAsync(Path.Combine(local, "down.txt")));
        }
        finally
        {
            Directory.Delete(local, recursive: true);
        }
    }

    [RootFact]
    public async Task ExecInteractive_ThroughPseudoTerminal_RunsShellCommands()
    {
        var pod = await RunningAsync(Pod("shell", "exec sleep 1000"));
        var kubectl = _f.Kubectl();
        // script(1) gives kubectl a real pseudo-terminal, as a person's terminal would.
        var start = kubectl.StartInfo([]);
        start.FileName = "script";
        start.ArgumentList.Add("-qec");
        start.ArgumentList.Add($"{kubectl.Binary} exec -it -n {pod.Metadata.NamespaceProperty} shell -- sh");
        start.ArgumentList.Add("/dev/null");
        await using var session = new BackgroundProcess(start);
        await Task.Delay(TimeSpan.FromSeconds(2));

        await session.Stdin.WriteAsync("echo $((6*7))\n");
        await session.Stdin.FlushAsync();
        var lines = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !lines.Any(l => l.Trim() == "42"))
        {
            if (await session.ReadLineAsync(TimeSpan.FromSeconds(15)) is not { } line)
            {
                break;
            }

            lines.Add(line);
        }

        await session.Stdin.WriteAsync("exit\n");
        await session.Stdin.FlushAsync();

        Assert.Contains(lines, l => l.Trim() == "42");
        Assert.True(await session.WaitForExitAsync(TimeSpan.FromSeconds(15)), "the interactive session did not end after exit");
    }

    [RootFact]
    public async Task Attach_RunningContainer_StreamsItsOutput()
    {
        var pod = await RunningAsync(Pod("ticker", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"));
        await using var attach = new BackgroundProcess(_f.Kubectl().StartInfo(["attach", "-n", pod.Metadata.NamespaceProperty, "ticker"]));

        string? line;
        do
        {
            line = await attach.ReadLineAsync(TimeSpan.FromSeconds(15));
        }
        while (line is not null && !line.StartsWith("tick ", StringComparison.Ordinal));

        Assert.NotNull(line);
        Assert.StartsWith("tick ", await attach.ReadLineAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Exec_NodeUnreachable_FailsWithServiceUnavailable()
    {
        var ns = await _f.Cluster.CreateNamespaceAsync("ghost");
        var closed = FreePort();
        await _f.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = $"ghost-{ns}" } });
        var node = await _f.Client.CoreV1.ReadNodeAsync($"ghost-{ns}");
        node.Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = closed } },
        };
        await _f.Client.CoreV1.ReplaceNodeStatusAsync(node, node.Metadata.Name);
        var pod = Pod("lost", "true");
        pod.Spec.NodeName = node.Metadata.Name;
        await _f.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        try
        {
            var run = await _f.Kubectl().RunAsync("exec", "-n", ns, "lost", "--", "true");

            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("error dialing backend", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await _f.Client.CoreV1.DeleteNamespacedPodAsync("lost", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
            await _f.Client.CoreV1.DeleteNodeAsync(node.Metadata.Name);
        }
    }

    [RootFact]
    public async Task KubeletServer_CallerWithoutApiServerCertificate_Gets401()
    {
        using var handler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };

        var response = await http.GetAsync(new Uri($"https://127.0.0.1:{_f.Agent.ServerPort}/containerLogs/default/x/y"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<int> ForwardedPortAsync(BackgroundProcess forward)
    {
        var line = await forward.ReadLineAsync(TimeSpan.FromSeconds(20));
        var match = ForwardingLine().Match(line ?? "");
        Assert.True(match.Success, $"unexpected port-forward output: {line}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<V1Pod> RunningAsync(V1Pod spec)
    {
        var pod = await _f.CreatePodAsync(spec);
        return await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running");
    }

    private static V1Pod Pod(string name, string script) => KubectlExecTests.Pod(name, script);

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(\d+) ->")]
    private static partial Regex ForwardingLine();
}
