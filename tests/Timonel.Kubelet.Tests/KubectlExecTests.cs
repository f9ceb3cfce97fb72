using k8s.Models;
using Timonel.Kubelet.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests;

/// <summary>`kubectl exec` (SPDY and WebSocket kubectl versions) through the API server, the kubelet's server and containerd's streaming server.</summary>
public sealed class KubectlExecTests : IClassFixture<StreamingFixture>
{
    private readonly StreamingFixture _f;

    public KubectlExecTests(StreamingFixture fixture)
    {
        _f = fixture;
    }

    [RootFact]
    public async Task Exec_CommandWithExitCode_ReturnsOutputAndExitCode()
    {
        var pod = await RunningPodAsync("exec-code");
        foreach (var binary in new[] { KubectlRunner.Latest, KubectlRunner.Oldest })
        {
            var run = await _f.Kubectl(binary).RunAsync("exec", "-n", pod.Metadata.NamespaceProperty, pod.Metadata.Name, "--", "sh", "-c", "echo hi; echo oops >&2; exit 3");

            Assert.True(run.ExitCode == 3, $"{binary}: exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
            Assert.Equal("hi\n", run.Stdout);
            Assert.Contains("oops", run.Stderr, StringComparison.Ordinal);
        }
    }

    [RootFact]
    public async Task Exec_Stdin_ReachesTheProcess()
    {
        var pod = await RunningPodAsync("exec-stdin");

        var run = await _f.Kubectl().RunAsync(["exec", "-i", "-n", pod.Metadata.NamespaceProperty, pod.Metadata.Name, "--", "sh", "-c", "tr a-z A-Z"], stdin: "shout\n");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("SHOUT\n", run.Stdout);
    }

    [RootFact]
    public async Task Exec_MissingContainer_FailsWithClearError()
    {
        var pod = await RunningPodAsync("exec-missing");

        var run = await _f.Kubectl().RunAsync("exec", "-n", pod.Metadata.NamespaceProperty, pod.Metadata.Name, "-c", "nope", "--", "true");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("container nope is not valid for pod exec-missing", run.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Exec_StoppedPod_FailsWithClearError()
    {
        var pod = await _f.CreatePodAsync(Pod("exec-done", "echo done", restart: "Never"));
        await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Succeeded", "pod Succeeded");

        var run = await _f.Kubectl().RunAsync("exec", "-n", pod.Metadata.NamespaceProperty, pod.Metadata.Name, "--", "true");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("completed pod", run.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task Exec_ContainerNotRunning_KubeletRefusesClearly()
    {
        // kubectl checks the phase itself; a raw API call reaches the kubelet, which must refuse.
        var pod = await _f.CreatePodAsync(Pod("exec-stopped", "echo done", restart: "Never"));
        await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Succeeded", "pod Succeeded");

        var run = await _f.Kubectl().RunAsync("get", "--raw", $"/api/v1/namespaces/{pod.Metadata.NamespaceProperty}/pods/exec-stopped/exec?command=true&stdout=true");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Upgrade request required", run.Stderr, StringComparison.Ordinal);
    }

    internal async Task<V1Pod> RunningPodAsync(string name)
    {
        var pod = await _f.CreatePodAsync(Pod(name, "exec sleep 1000"));
        return await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running");
    }

    internal static V1Pod Pod(string name, string script, string restart = "Always") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            RestartPolicy = restart,
            TerminationGracePeriodSeconds = 1,
            Containers = [new V1Container { Name = "main", Image = StreamingFixture.BusyboxImage, ImagePullPolicy = "IfNotPresent", Command = ["sh", "-c", script] }],
        },
    };
}
