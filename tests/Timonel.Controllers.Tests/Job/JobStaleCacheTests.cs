using System.Collections.Concurrent;
using k8s;
using Timonel.Client.Informers;
using Timonel.Testing;
using Xunit;
using static Timonel.Controllers.Tests.Job.JobTestKit;

namespace Timonel.Controllers.Tests.Job;

/// <summary>
/// The Job controller when its Job cache lags behind its pod cache (separate watches, as under
/// load): a pod let go after the uncounted write must not be taken for a missing one.
/// </summary>
public sealed class JobStaleCacheTests
{
    [Fact]
    public async Task Sync_JobCacheLagsBehindFinalizerRemoval_CreatesNoExtraPod()
    {
        await using var cluster = await TestCluster.StartAsync();
        var gate = new WatchGate("/jobs");
        var logs = new LogCapture();
        var events = new ConcurrentQueue<(string Name, string Reason)>();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Host.KubeconfigPath), new ConnectRetryHandler(), gate);
        await using var informers = new SharedInformerFactory(client, logs);
        var sink = new ControllerEvents((obj, _, _, reason, _) => events.Enqueue((obj.Metadata.Name, reason)));
        var context = new ControllerContext(client, informers, sink, logs, TimeProvider.System, new ControllerManagerOptions());
        var controller = ControllerRegistry.All.Single(c => c.Name == "job").Create(context);
        using var stop = new CancellationTokenSource();
        informers.Start();
        var running = Task.Run(() => controller.RunAsync(stop.Token));
        try
        {
            var api = cluster.Client;
            var ns = await cluster.CreateNamespaceAsync("job");
            await api.BatchV1.CreateNamespacedJobAsync(NewJob("lag", completions: 2, parallelism: 2), ns);
            var pods = await WaitForActivePodsAsync(api, ns, "lag", 2);
            var jobs = informers.Get(ResourceKinds.Jobs);
            await Eventually.WaitAsync(ct => Task.FromResult(jobs.Cache.Get(ns, "lag")?.Status?.Active == 2), WaitLimit, "the controller's cache shows both pods active");
            int Creates() => events.Count(e => e.Name == "lag" && e.Reason == "SuccessfulCreate");
            Assert.Equal(2, Creates());

            // From here the controller sees pod changes but not its own Job status writes.
            gate.Close();
            await FinishPodAsync(api, pods[0], 0);

            // The sync after the finalizer removal either waits for the Job cache (the log) or,
            // counting one success too few, creates a third pod for the one completion left.
            var lagLine = $"job {ns}/lag: the cache does not show the last status written yet";
            await Eventually.WaitAsync(ct => Task.FromResult(Creates() > 2 || logs.Messages.Any(m => m.StartsWith(lagLine, StringComparison.Ordinal))), WaitLimit, "a sync on the lagging view");
            Assert.Equal(2, Creates());
            var finished = await api.CoreV1.ReadNamespacedPodAsync(pods[0].Metadata.Name, ns);
            Assert.True(finished.Metadata.Finalizers is null or { Count: 0 }, "the counted pod was let go while the Job cache lagged");

            gate.Open();
            await FinishPodAsync(api, pods[1], 0);
            var done = await WaitForConditionAsync(api, ns, "lag", "Complete");
            Assert.Equal(2, done.Status.Succeeded);
            Assert.Equal(2, (await PodsAsync(api, ns, "lag")).Count);
            Assert.Equal(2, Creates());
        }
        finally
        {
            gate.Open();
            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
