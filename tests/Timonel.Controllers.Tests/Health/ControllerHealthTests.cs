using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Controllers.Health;
using Xunit;

namespace Timonel.Controllers.Tests.Health;

public sealed class ControllerHealthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A controller whose loop runs until cancelled, or until told to crash or stop.</summary>
    private sealed class FakeController(string name) : IController
    {
        private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => name;

        public void Crash(string message) => _end.SetException(new InvalidOperationException(message));

        public void Stop() => _end.SetResult();

        public async Task RunAsync(CancellationToken cancellationToken) => await _end.Task.WaitAsync(cancellationToken);
    }

    private sealed class IdleController : IController
    {
        public string Name => "idle";

        public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static async Task WaitCheckAsync(ControllerHealth health, string name, Func<string?, bool> accept)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!health.Checks.Any(c => c.Name == name && accept(c.Error)))
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    [Fact]
    public async Task Supervisor_CrashedController_UnhealthyWhileOthersStayOk()
    {
        var health = new ControllerHealth();
        using var stop = new CancellationTokenSource();
        var good = new FakeController("replicaset");
        var bad = new FakeController("job");
        var running = Task.WhenAll(
            ControllerSupervisor.RunAsync(good, "replicaset-controller", health, NullLogger.Instance, stop.Token),
            ControllerSupervisor.RunAsync(bad, "job-controller", health, NullLogger.Instance, stop.Token));

        // Both healthy first: the endpoint can see a check pass before it sees one fail.
        Assert.Equal(new HealthzResponse(200, "ok"), HealthzResponder.Respond(health, "/healthz/job-controller", false, []));
        Assert.Equal(new HealthzResponse(200, "ok"), HealthzResponder.Respond(health, "/healthz", false, []));

        bad.Crash("informer exploded");
        await WaitCheckAsync(health, "job-controller", e => e is not null);

        Assert.Equal(new HealthzResponse(200, "ok"), HealthzResponder.Respond(health, "/healthz/replicaset-controller", false, []));
        var one = HealthzResponder.Respond(health, "/healthz/job-controller", false, [])!;
        Assert.Equal(500, one.StatusCode);
        Assert.Equal("internal server error: the controller crashed: informer exploded\n", one.Body);
        var all = HealthzResponder.Respond(health, "/healthz", false, [])!;
        Assert.Equal(500, all.StatusCode);
        Assert.Equal("[+]ping ok\n[-]job-controller failed: reason withheld\n[+]replicaset-controller ok\nhealthz check failed\n", all.Body);
        Assert.Equal(new HealthzResponse(200, "ok"), HealthzResponder.Respond(health, "/healthz", false, ["job-controller"]));

        await stop.CancelAsync();
        await running;
        Assert.Contains(health.Checks, c => c.Name == "replicaset-controller" && c.Error is null);
    }

    [Fact]
    public async Task Supervisor_LoopEndsBeforeStop_Unhealthy()
    {
        var health = new ControllerHealth();
        using var stop = new CancellationTokenSource();
        var controller = new FakeController("ttl");
        var running = ControllerSupervisor.RunAsync(controller, "ttl-controller", health, NullLogger.Instance, stop.Token);
        Assert.Contains(health.Checks, c => c.Name == "ttl-controller" && c.Error is null);

        controller.Stop();
        await running;

        Assert.Equal("internal server error: the controller's loop has stopped\n", HealthzResponder.Respond(health, "/healthz/ttl-controller", false, [])!.Body);
    }

    [Fact]
    public async Task Supervisor_ControllerWithNothingToDo_HasNoCheck()
    {
        var health = new ControllerHealth();

        await ControllerSupervisor.RunAsync(new IdleController(), "root-ca-certificate-publisher-controller", health, NullLogger.Instance, CancellationToken.None);

        Assert.Empty(health.Checks);
        Assert.Equal(404, HealthzResponder.Respond(health, "/healthz/root-ca-certificate-publisher-controller", false, [])!.StatusCode);
    }

    [Fact]
    public void Respond_Verbose_ListsEveryCheck()
    {
        var health = new ControllerHealth();
        health.Running("deployment-controller");

        var answer = HealthzResponder.Respond(health, "/healthz", true, [])!;

        Assert.Equal(new HealthzResponse(200, "[+]ping ok\n[+]deployment-controller ok\nhealthz check passed\n"), answer);
        Assert.Equal(new HealthzResponse(200, "ok"), HealthzResponder.Respond(health, "/healthz/ping", false, []));
        Assert.Equal(404, HealthzResponder.Respond(health, "/healthz/nope", false, [])!.StatusCode);
        Assert.Null(HealthzResponder.Respond(health, "/metrics", false, []));
    }
}
