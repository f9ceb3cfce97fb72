using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Hosting;
using Timonel.Client.Informers;
using Timonel.Controllers.Health;
using Timonel.Controllers.ServiceAccount;

namespace Timonel.Controllers;

/// <summary>
/// The controller manager as a cluster component: while it holds the kube-controller-manager
/// Lease it builds the enabled controllers over one shared informer factory, starts the
/// informers and runs every controller until cancelled, keeping one health check per
/// controller in <see cref="Health"/>. With <c>controllerClients</c> each controller writes (and
/// records its events) as its own service account, kube-system/NAME
/// (<see cref="Credentials.ControllerServiceAccounts"/>), while the shared informers read with the
/// manager's client, as upstream's --use-service-account-credentials; without, every controller
/// uses the manager's client.
/// </summary>
public sealed partial class ControllerManager(
    ControllerManagerOptions options,
    ILoggerFactory loggers,
    TimeProvider? time = null,
    IServiceAccountTokenSigner? tokenSigner = null,
    ControllerHealth? health = null,
    Certificates.CsrSigningAuthorities? signingAuthorities = null,
    Credentials.IControllerClients? controllerClients = null) : IClusterComponent
{
    public string Name => "controller-manager";

    public string? LeaseName => "kube-controller-manager";

    /// <summary>The running controllers' health checks (empty while another server leads).</summary>
    public ControllerHealth Health { get; } = health ?? new ControllerHealth();

    public async Task RunAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var clock = time ?? TimeProvider.System;
        await using var identities = new ControllerIdentities(client, controllerClients, loggers, clock);
        await using var informers = new SharedInformerFactory(client, loggers, clock);
        var context = new ControllerContext(client, informers, ControllerEvents.None, loggers, clock, options) { TokenSigner = tokenSigner, SigningAuthorities = signingAuthorities };
        var controllers = ControllerRegistry.All.Where(c => options.IsEnabled(c.Name)).Select(c => (c.Name, Controller: c.Create(identities.ContextFor(context, c.Name)))).ToList();
        var log = loggers.CreateLogger("controller-manager");
        Log.Starting(log, string.Join(",", controllers.Select(c => c.Controller.Name)));
        informers.Start();
        try
        {
            await Task.WhenAll(controllers.Select(c => Task.Run(
                () => ControllerSupervisor.RunAsync(c.Controller, ControllerNames.Canonical(c.Name) ?? c.Name, Health, log, cancellationToken),
                CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            Health.Clear();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "starting controllers {Controllers}")]
        public static partial void Starting(ILogger logger, string controllers);
    }
}
