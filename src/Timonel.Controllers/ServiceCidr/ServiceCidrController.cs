using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ServiceCidr;

/// <summary>
/// Upstream's service-cidr-controller: a live ServiceCIDR gets the finalizer
/// networking.k8s.io/service-cidr-finalizer and the condition Ready=True; a deleted one stays,
/// Ready=False (reason Terminating), while an IPAddress it alone covers exists (no other live
/// ServiceCIDR holds it), and loses its finalizer once none does.
/// </summary>
public sealed class ServiceCidrController : Controller, IController
{
    public const string Finalizer = "networking.k8s.io/service-cidr-finalizer";
    public const string TerminatingReason = "Terminating";
    private const string Component = "service-cidr-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1ServiceCIDR> _cidrs;
    private readonly SharedInformer<V1IPAddress> _addresses;

    public ServiceCidrController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _cidrs = context.Informers.Get(ResourceKinds.For<V1ServiceCIDR>());
        _addresses = context.Informers.Get(ResourceKinds.For<V1IPAddress>());
        _cidrs.AddEventHandler(onAdd: Enqueue, onUpdate: (_, c) => Enqueue(c), onDelete: _ => EnqueueTerminating());
        // A freed address may let a terminating range go; a new one may hold it back.
        _addresses.AddEventHandler(onAdd: _ => EnqueueTerminating(), onDelete: _ => EnqueueTerminating());
    }

    string IController.Name => "service-cidr";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_cidrs, _addresses], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cidr = _cidrs.Cache.Get(key);
        if (cidr is null)
        {
            return;
        }

        var api = _context.Client.NetworkingV1;
        try
        {
            if (cidr.Metadata.DeletionTimestamp is null)
            {
                if (cidr.Metadata.Finalizers?.Contains(Finalizer) != true)
                {
                    var copy = ObjectCopy.DeepCopy(cidr);
                    copy.Metadata.Finalizers = [.. copy.Metadata.Finalizers ?? [], Finalizer];
                    cidr = await api.ReplaceServiceCIDRAsync(copy, copy.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                await SetReadyAsync(cidr, "True", "", "Kubernetes Service CIDR is ready", cancellationToken).ConfigureAwait(false);
                return;
            }

            if (cidr.Metadata.Finalizers?.Contains(Finalizer) != true)
            {
                return;
            }

            if (HasOrphans(cidr))
            {
                await SetReadyAsync(cidr, "False", TerminatingReason,
                    "There are still IPAddresses referencing the ServiceCIDR, please remove them or create a new ServiceCIDR", cancellationToken).ConfigureAwait(false);
                return;
            }

            var released = ObjectCopy.DeepCopy(cidr);
            released.Metadata.Finalizers = [.. released.Metadata.Finalizers.Where(f => f != Finalizer)];
            await api.ReplaceServiceCIDRAsync(released, released.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Gone already.
        }
    }

    /// <summary>Whether an IPAddress in <paramref name="cidr"/> is covered by no other live ServiceCIDR.</summary>
    private bool HasOrphans(V1ServiceCIDR cidr)
    {
        var mine = Prefixes(cidr).ToList();
        var others = _cidrs.Cache.List()
            .Where(c => c.Metadata.Name != cidr.Metadata.Name && c.Metadata.DeletionTimestamp is null)
            .SelectMany(Prefixes).ToList();
        return _addresses.Cache.List()
            .Select(a => IPAddress.TryParse(a.Metadata.Name, out var ip) ? ip : null)
            .OfType<IPAddress>()
            .Any(ip => mine.Any(p => p.Contains(ip)) && !others.Any(p => p.Contains(ip)));
    }

    private async Task SetReadyAsync(V1ServiceCIDR cidr, string status, string reason, string message, CancellationToken cancellationToken)
    {
        var ready = cidr.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (ready is not null && ready.Status == status && (ready.Reason ?? "") == reason)
        {
            return;
        }

        var copy = ObjectCopy.DeepCopy(cidr);
        copy.Status ??= new V1ServiceCIDRStatus();
        copy.Status.Conditions = [
            .. copy.Status.Conditions?.Where(c => c.Type != "Ready") ?? [],
            new V1Condition { Type = "Ready", Status = status, Reason = reason, Message = message, LastTransitionTime = _context.Time.GetUtcNow().UtcDateTime },
        ];
        await _context.Client.NetworkingV1.ReplaceServiceCIDRStatusAsync(copy, copy.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<IPNetwork> Prefixes(V1ServiceCIDR cidr) => (cidr.Spec?.Cidrs ?? []).Select(Prefix).OfType<IPNetwork>();

    /// <summary>The network of a CIDR, host bits cleared (validation lets "10.97.0.5/24" through, and the allocator reads it as 10.97.0.0/24).</summary>
    private static IPNetwork? Prefix(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var address) || !int.TryParse(cidr[(slash + 1)..], out var bits))
        {
            return null;
        }

        var bytes = address.GetAddressBytes();
        if (bits < 0 || bits > bytes.Length * 8)
        {
            return null;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPNetwork(new IPAddress(bytes), bits);
    }

    /// <summary>Enqueues every ServiceCIDR being deleted: a change of addresses or ranges may decide whether it can go.</summary>
    private void EnqueueTerminating()
    {
        foreach (var cidr in _cidrs.Cache.List().Where(c => c.Metadata.DeletionTimestamp is not null))
        {
            Enqueue(cidr);
        }
    }
}
