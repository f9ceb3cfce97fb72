using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Autoscaler.NodeGroups;
using Timonel.Client.Hosting;
using Timonel.Scheduler.Config;

namespace Timonel.Autoscaler;

/// <summary>The autoscaler as one of the server's components: elected by its own Lease, as upstream's cluster-autoscaler.</summary>
public sealed class ClusterAutoscalerComponent(NodeGroupsConfig config, ClusterAutoscalerOptions options, ILoggerFactory loggers, SchedulerConfiguration? schedulerConfig = null) : IClusterComponent
{
    /// <summary>The kube-system service account the server runs it as (bound to the timonel:cluster-autoscaler role).</summary>
    public const string ServiceAccount = "cluster-autoscaler";

    public string Name => "cluster-autoscaler";

    public string? LeaseName => "cluster-autoscaler";

    public async Task RunAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var autoscaler = new ClusterAutoscaler(client, NodeGroupProviders.Create(config, client), options, loggers, schedulerConfig: schedulerConfig);
        await using (autoscaler.ConfigureAwait(false))
        {
            await autoscaler.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
