using Timonel.Controllers.CronJob;
using Timonel.Controllers.Job;
using Timonel.Controllers.NodeIpam;
using Timonel.Controllers.TtlAfterFinished;

namespace Timonel.Controllers;

/// <summary>Every controller the manager can run, by upstream name. Adding a controller is one line here.</summary>
public static class ControllerRegistry
{
    public static IReadOnlyList<(string Name, Func<ControllerContext, IController> Create)> All { get; } =
    [
        ("nodeipam", c => new NodeIpamController(c)),
        ("job", c => new JobController(c)),
        ("cronjob", c => new CronJobController(c)),
        ("ttl-after-finished", c => new TtlAfterFinishedController(c)),
    ];
}
