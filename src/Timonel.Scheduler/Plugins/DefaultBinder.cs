using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins;

/// <summary>DefaultBinder: binds through the API (POST pods/{name}/binding).</summary>
public sealed class DefaultBinder(ISchedulerClient client) : IBindPlugin
{
    public const string PluginName = "DefaultBinder";

    public string Name => PluginName;

    public async Task<Status?> BindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        await client.BindAsync(pod.Pod, nodeName, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
