using Timonel.Controllers.Endpoints;
using Timonel.Controllers.EndpointSlice;
using Timonel.Controllers.GarbageCollector;
using Timonel.Controllers.Namespace;
using Timonel.Controllers.NodeIpam;
using Timonel.Controllers.ResourceQuota;
using Timonel.Controllers.ServiceAccount;

namespace Timonel.Controllers;

/// <summary>Every controller the manager can run, by upstream name. Adding a controller is one line here.</summary>
public static class ControllerRegistry
{
    public static IReadOnlyList<(string Name, Func<ControllerContext, IController> Create)> All { get; } =
    [
        ("nodeipam", c => new NodeIpamController(c)),
        ("garbagecollector", c => new GarbageCollectorController(c)),
        ("namespace", c => new NamespaceController(c)),
        ("serviceaccount", c => new ServiceAccountController(c)),
        ("endpoint", c => new EndpointsController(c)),
        ("endpointslice", c => new EndpointSliceController(c)),
        ("resourcequota", c => new ResourceQuotaController(c)),
        ("root-ca-cert-publisher", c => new RootCaCertPublisher(c)),
    ];
}
