using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.Ephemeral;

/// <summary>
/// Creates the PersistentVolumeClaim of every generic ephemeral volume (upstream's
/// ephemeral-volume controller): &lt;pod&gt;-&lt;volume&gt; from the volume's claim template, controlled
/// by the pod, so the garbage collector deletes it with the pod. A claim of that name that
/// another owner made is never used: the pod gets a FailedBinding event and waits.
/// </summary>
public sealed class EphemeralVolumeController : Controller, IController
{
    private const string Component = "ephemeral-volume-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1PersistentVolumeClaim> _claims;

    public EphemeralVolumeController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _claims = context.Informers.Get(ResourceKinds.PersistentVolumeClaims);
        _pods.AddEventHandler(onAdd: EnqueueIfNeeded, onUpdate: (_, p) => EnqueueIfNeeded(p));
        // A claim deleted while its pod lives is made again.
        _claims.AddEventHandler(onDelete: claim =>
        {
            if (ObjectSelectors.ControllerOf(claim.Metadata) is { Kind: "Pod" } owner)
            {
                Enqueue(ObjectKeys.KeyOf(claim.Metadata.NamespaceProperty, owner.Name));
            }
        });
    }

    string IController.Name => "ephemeral-volume";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_pods, _claims], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Cache.Get(key);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        foreach (var volume in pod.Spec?.Volumes ?? [])
        {
            if (volume.Ephemeral is null)
            {
                continue;
            }

            var error = await EnsureClaimAsync(pod, volume, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                _context.Events.Warning(Component, pod, "FailedBinding", $"ephemeral volume {volume.Name}: {error}");
                throw new InvalidOperationException($"pod {key}: ephemeral volume {volume.Name}: {error}");
            }
        }
    }

    /// <summary>Null when the claim exists for the pod or was created now; else why it cannot be.</summary>
    private async Task<string?> EnsureClaimAsync(V1Pod pod, V1Volume volume, CancellationToken cancellationToken)
    {
        var name = PodClaims.EphemeralClaimName(pod, volume);
        if (_claims.Cache.Get(pod.Metadata.NamespaceProperty, name) is { } existing)
        {
            return PodClaims.NotForPod(pod, existing);
        }

        var template = volume.Ephemeral.VolumeClaimTemplate;
        if (template?.Spec is null)
        {
            return "volumeClaimTemplate.spec is missing";
        }

        var claim = new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = template.Metadata?.Labels,
                Annotations = template.Metadata?.Annotations,
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
            },
            Spec = ObjectCopy.DeepCopy(template.Spec),
        };
        try
        {
            await _context.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(claim, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            return null;
        }
        // AlreadyExists (made a moment ago, not yet in the cache) propagates: the retry judges its owner.
        catch (HttpOperationException e) when (ApiErrors.IsInvalid(e) || ApiErrors.IsForbidden(e))
        {
            return $"create PVC {name}: {ApiErrors.MessageOf(e)}";
        }
    }

    private void EnqueueIfNeeded(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is null && pod.Spec?.Volumes?.Any(v => v.Ephemeral is not null) == true)
        {
            Enqueue(pod);
        }
    }
}
