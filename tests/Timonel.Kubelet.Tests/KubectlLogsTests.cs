using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Timonel.Kubelet.Tests.Infrastructure;

namespace Timonel.Kubelet.Tests;

/// <summary>`kubectl logs` against real containers: follow, tail, timestamps, previous, containers, rotation, errors.</summary>
public sealed class KubectlLogsTests : IClassFixture<StreamingFixture>
{
    private const string Counter = "i=0; while true; do i=$((i+1)); echo line $i; sleep 1; done";

    private readonly StreamingFixture _f;

    public KubectlLogsTests(StreamingFixture fixture)
    {
        _f = fixture;
    }

    [RootFact]
    public async Task LogsFollow_LineEverySecond_StreamsLinesAsWritten()
    {
        var pod = await RunningAsync(Pod("follow", ("main", Counter)));
        await using var follow = new BackgroundProcess(_f.Kubectl().StartInfo(["logs", "-f", "-n", pod.Metadata.NamespaceProperty, pod.Metadata.Name]));

        var first = Number(await follow.ReadLineAsync(TimeSpan.FromSeconds(15)));
        var started = Stopwatch.StartNew();
        var next = Number(await follow.ReadLineAsync(TimeSpan.FromSeconds(5)));
        var after = Number(await follow.ReadLineAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(first + 1, next);
        Assert.Equal(next + 1, after);
        // Lines arrive as they are written (one a second), not all at the end.
        Assert.InRange(started.Elapsed.TotalSeconds, 0.5, 4.5);
    }

    [RootFact]
    public async Task Logs_TailAndTimestamps_ShowLastLinesWithTimes()
    {
        var pod = await RunningAsync(Pod("tail", ("main", "for i in 1 2 3 4 5; do echo line $i; done; exec sleep 1000")));
        var kubectl = _f.Kubectl();
        var ns = pod.Metadata.NamespaceProperty;

        var tail = await kubectl.RunAsync("logs", "--tail=2", "-n", ns, "tail");
        var stamped = await kubectl.RunAsync("logs", "--timestamps", "--tail=1", "-n", ns, "tail");
        var all = await kubectl.RunAsync("logs", "-n", ns, "tail");
        var limited = await kubectl.RunAsync("logs", "--limit-bytes=8", "-n", ns, "tail");
        var since = await kubectl.RunAsync("logs", "--since=1h", "-n", ns, "tail");

        Assert.Equal("line 4\nline 5\n", tail.Stdout);
        var parts = stamped.Stdout.TrimEnd('\n').Split(' ', 2);
        Assert.True(DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time), stamped.Stdout);
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal("line 5", parts[1]);
        Assert.Equal("line 1\nline 2\nline 3\nline 4\nline 5\n", all.Stdout);
        Assert.Equal("line 1\nl", limited.Stdout);
        Assert.Equal(all.Stdout, since.Stdout);
    }

    [RootFact]
    public async Task Logs_ContainerFlagAndAllContainers_PickTheRightLogs()
    {
        var pod = await RunningAsync(Pod("two", ("alpha", "echo from-alpha; exec sleep 1000"), ("beta", "echo from-beta; exec sleep 1000")));
        var kubectl = _f.Kubectl();
        var ns = pod.Metadata.NamespaceProperty;

        var beta = await kubectl.RunAsync("logs", "-n", ns, "two", "-c", "beta");
        var all = await kubectl.RunAsync("logs", "-n", ns, "two", "--all-containers");
        var missing = await kubectl.RunAsync("logs", "-n", ns, "two", "-c", "gamma");
        var unnamed = await kubectl.RunAsync("get", "--raw", $"/api/v1/namespaces/{ns}/pods/two/log");

        Assert.Equal("from-beta\n", beta.Stdout);
        Assert.Contains("from-alpha", all.Stdout, StringComparison.Ordinal);
        Assert.Contains("from-beta", all.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("container gamma is not valid for pod two", missing.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, unnamed.ExitCode);
        Assert.Contains("a container name must be specified for pod two, choose one of: [alpha beta]", unnamed.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task LogsPrevious_AfterRestart_ShowsTheEndedInstance()
    {
        var pod = await _f.CreatePodAsync(Pod("again", ("main", "echo started-$(date +%s%N); sleep 1; exit 1")));
        var kubectl = _f.Kubectl();
        var ns = pod.Metadata.NamespaceProperty;
        await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 1, "container restarted", TimeSpan.FromSeconds(60));

        var previous = await kubectl.RunAsync("logs", "--previous", "-n", ns, "again");
        var current = await kubectl.RunAsync("logs", "-n", ns, "again");

        Assert.True(previous.ExitCode == 0, previous.Stderr);
        Assert.StartsWith("started-", previous.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("started-", current.Stdout, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task LogsPrevious_NoRestartYet_FailsWithClearError()
    {
        var pod = await RunningAsync(Pod("once", ("main", "exec sleep 1000")));

        var run = await _f.Kubectl().RunAsync("logs", "--previous", "-n", pod.Metadata.NamespaceProperty, "once");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("previous terminated container \"main\" in pod \"once\" not found", run.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Logs_PodNotStarted_FailsWithWaitingReason()
    {
        var spec = Pod("waiting", ("main", "true"));
        spec.Spec.Containers[0].Image = "docker.io/library/not-imported:none";
        var pod = await _f.CreatePodAsync(spec);
        await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting is not null, "container waiting");

        var run = await _f.Kubectl().RunAsync("logs", "-n", pod.Metadata.NamespaceProperty, "waiting");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("container \"main\" in pod \"waiting\" is waiting to start", run.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task LogsFollow_FileRotated_KeepsStreamingAndKeepsFewFiles()
    {
        // 32 KiB rotation size in the fixture: ~40 KB a second rotates every second or so.
        var pod = await RunningAsync(Pod("chatty", ("main", "i=0; while true; do i=$((i+1)); echo \"line $i $(head -c 400 /dev/zero | tr '\\0' x)\"; [ $((i % 100)) -eq 0 ] && sleep 1; done")));
        await using var follow = new BackgroundProcess(_f.Kubectl().StartInfo(["logs", "-f", "--tail=1", "-n", pod.Metadata.NamespaceProperty, "chatty"]));
        var logDir = Directory.GetDirectories(Path.Combine(_f.Options.AgentDir, "pods"), $"{pod.Metadata.NamespaceProperty}_chatty_*").Single();

        var last = Number(await follow.ReadLineAsync(TimeSpan.FromSeconds(15)));
        var deadline = DateTime.UtcNow.AddSeconds(8);
        while (DateTime.UtcNow < deadline)
        {
            var n = Number(await follow.ReadLineAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal(last + 1, n);
            last = n;
        }

        var files = Directory.GetFiles(Path.Combine(logDir, "main"));
        Assert.Contains(files, f => Path.GetFileName(f).StartsWith("0.log.", StringComparison.Ordinal));
        Assert.InRange(files.Length, 2, _f.Options.ContainerLogMaxFiles);
        Assert.InRange(new FileInfo(Path.Combine(logDir, "main", "0.log")).Length, 0, 4 * _f.Options.ContainerLogMaxSize);
    }

    private async Task<V1Pod> RunningAsync(V1Pod spec)
    {
        var pod = await _f.CreatePodAsync(spec);
        return await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running");
    }

    private static int Number(string? line)
    {
        Assert.NotNull(line);
        var words = line.Split(' ');
        Assert.Equal("line", words[0]);
        return int.Parse(words[1], CultureInfo.InvariantCulture);
    }

    private static V1Pod Pod(string name, params (string Name, string Script)[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            TerminationGracePeriodSeconds = 1,
            Containers = [.. containers.Select(c => new V1Container { Name = c.Name, Image = StreamingFixture.BusyboxImage, ImagePullPolicy = "IfNotPresent", Command = ["sh", "-c", c.Script] })],
        },
    };
}
