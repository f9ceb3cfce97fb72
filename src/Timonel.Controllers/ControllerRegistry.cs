using Timonel.Controllers.NodeIpam;
using Timonel.Controllers.NodeLifecycle;
using Timonel.Controllers.PodGc;

namespace Timonel.Controllers;

/// <summary>Every controller the manager can run, by upstream name. Adding a controller is one line here.</summary>
public static class ControllerRegistry
{
    public static IReadOnlyList<(string Name, Func<ControllerContext, IController> Create)> All { get; } =
    [
        ("nodeipam", c => new NodeIpamController(c)),
        ("nodelifecycle", c => new NodeLifecycleController(c)),
        ("podgc", c => new PodGcController(c)),
    ];
}
