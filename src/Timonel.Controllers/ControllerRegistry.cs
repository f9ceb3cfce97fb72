using Timonel.Controllers.DaemonSet;
using Timonel.Controllers.NodeIpam;
using Timonel.Controllers.StatefulSet;

namespace Timonel.Controllers;

/// <summary>Every controller the manager can run, by upstream name. Adding a controller is one line here.</summary>
public static class ControllerRegistry
{
    public static IReadOnlyList<(string Name, Func<ControllerContext, IController> Create)> All { get; } =
    [
        ("nodeipam", c => new NodeIpamController(c)),
        ("statefulset", c => new StatefulSetController(c)),
        ("daemonset", c => new DaemonSetController(c)),
    ];
}
