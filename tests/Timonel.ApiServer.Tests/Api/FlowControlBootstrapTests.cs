using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>The API Priority and Fairness objects a fresh server holds are upstream 1.33's, mandatory and suggested.</summary>
public sealed class FlowControlBootstrapTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("apf-home-").FullName);

    [Fact]
    public async Task KubectlGetFlowSchemas_FreshServer_ListsUpstreamsSchemas()
    {
        var run = await Kubectl().RunAsync(["get", "flowschemas", "--no-headers", "-o", "custom-columns=NAME:.metadata.name,LEVEL:.spec.priorityLevelConfiguration.name,PRECEDENCE:.spec.matchingPrecedence,METHOD:.spec.distinguisherMethod.type"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var rows = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).Order(StringComparer.Ordinal);
        string[] upstream =
        [
            "catch-all catch-all 10000 ByUser",
            "endpoint-controller workload-high 150 ByUser",
            "exempt exempt 1 <none>",
            "global-default global-default 9900 ByUser",
            "kube-controller-manager workload-high 800 ByNamespace",
            "kube-scheduler workload-high 800 ByNamespace",
            "kube-system-service-accounts workload-high 900 ByNamespace",
            "probes exempt 2 <none>",
            "service-accounts workload-low 9000 ByUser",
            "system-leader-election leader-election 100 ByUser",
            "system-node-high node-high 400 ByUser",
            "system-nodes system 500 ByUser",
            "workload-leader-election leader-election 200 ByUser",
        ];
        Assert.Equal(upstream, rows);
    }

    [Fact]
    public async Task KubectlGetPriorityLevels_FreshServer_ListsUpstreamsLevels()
    {
        var run = await Kubectl().RunAsync(["get", "prioritylevelconfigurations", "--no-headers", "-o", "custom-columns=NAME:.metadata.name,TYPE:.spec.type,SHARES:.spec.limited.nominalConcurrencyShares,QUEUES:.spec.limited.limitResponse.queuing.queues"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var rows = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        string[] upstream =
        [
            "catch-all Limited 5 <none>",
            "exempt Exempt <none> <none>",
            "global-default Limited 20 128",
            "leader-election Limited 10 16",
            "node-high Limited 40 64",
            "system Limited 30 64",
            "workload-high Limited 40 128",
            "workload-low Limited 100 128",
        ];
        Assert.Equal(upstream, rows);
    }
}
