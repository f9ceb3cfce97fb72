using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// The cluster events after which a pod this plugin rejected might fit, each with an optional
/// hint that looks at the change and says whether to retry (null hint: always retry).
/// </summary>
public interface IEnqueueExtensions : IPlugin
{
    IReadOnlyList<ClusterEventWithHint> EventsToRegister();
}
