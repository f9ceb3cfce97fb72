using System.Runtime.ExceptionServices;
using k8s;
using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Client.Controllers;

/// <summary>
/// Upstream's ControllerRefManager (pkg/controller/controller_ref_manager.go): which of the
/// candidate objects a controller owns. An orphan whose labels match the selector is adopted (after
/// one live read of the owner confirms it is the same object and not being deleted); an owned
/// object whose labels stopped matching is released; objects another controller owns are left alone.
/// Adoption and release are strategic-merge patches of metadata.ownerReferences that carry the
/// object's uid, so they never land on a namesake created in between.
/// </summary>
/// <remarks>
/// One manager serves one sync of one owner: the owner is re-read at most once. A failed adoption
/// or release does not stop the others; the failures are thrown together at the end so the sync
/// is retried, as upstream's ClaimObjects aggregates its errors.
/// </remarks>
public sealed class ControllerRefManager<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IKubernetesObject<V1ObjectMeta> _owner;
    private readonly V1OwnerReference _controllerRef;
    private readonly LabelSelector _selector;
    private readonly Func<CancellationToken, Task<V1ObjectMeta>> _readOwner;
    private readonly Func<T, V1Patch, CancellationToken, Task<T>> _patch;
    private readonly IReadOnlyList<string> _finalizers;
    private Task? _canAdopt;

    /// <param name="owner">The controller as its informer cached it.</param>
    /// <param name="apiVersion">The owner's apiVersion, e.g. "apps/v1".</param>
    /// <param name="kind">The owner's kind, e.g. "ReplicaSet".</param>
    /// <param name="selector">The owner's selector; objects whose labels it does not match are not the owner's.</param>
    /// <param name="readOwner">A live GET of the owner (not the cache), for the check before adopting.</param>
    /// <param name="patch">Sends a patch to one candidate object and returns the object the server stored.</param>
    /// <param name="finalizers">Finalizers added on adoption and removed on release (Job's tracking finalizer).</param>
    public ControllerRefManager(
        IKubernetesObject<V1ObjectMeta> owner,
        string apiVersion,
        string kind,
        LabelSelector selector,
        Func<CancellationToken, Task<V1ObjectMeta>> readOwner,
        Func<T, V1Patch, CancellationToken, Task<T>> patch,
        IReadOnlyList<string>? finalizers = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        _owner = owner;
        _controllerRef = ControllerRefs.ControllerRef(apiVersion, kind, owner.Metadata);
        _selector = selector;
        _readOwner = readOwner;
        _patch = patch;
        _finalizers = finalizers ?? [];
    }

    /// <summary>
    /// The objects among <paramref name="candidates"/> this owner controls once orphans are adopted
    /// and strays released. <paramref name="filter"/>, when given, must also hold for an object to
    /// be the owner's (checked after the selector, e.g. StatefulSet's naming rule).
    /// </summary>
    public async Task<IReadOnlyList<T>> ClaimAsync(IEnumerable<T> candidates, Func<T, bool>? filter, CancellationToken cancellationToken)
    {
        var claimed = new List<T>();
        var errors = new List<Exception>();
        foreach (var obj in candidates)
        {
            try
            {
                if (await ClaimObjectAsync(obj, filter, cancellationToken).ConfigureAwait(false) is { } mine)
                {
                    claimed.Add(mine);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Add(e);
            }
        }

        if (errors.Count == 1)
        {
            ExceptionDispatchInfo.Throw(errors[0]);
        }

        if (errors.Count > 1)
        {
            throw new AggregateException($"claiming objects for {_controllerRef.Kind} {_owner.Metadata.NamespaceProperty}/{_owner.Metadata.Name} failed {errors.Count} times", errors);
        }

        return claimed;
    }

    /// <summary>upstream's ClaimObject: the object if it is (now) the owner's, else null.</summary>
    private async Task<T?> ClaimObjectAsync(T obj, Func<T, bool>? filter, CancellationToken cancellationToken)
    {
        var meta = obj.Metadata;
        var matches = ObjectSelectors.Matches(_selector, meta) && (filter is null || filter(obj));
        var controllerRef = ObjectSelectors.ControllerOf(meta);
        if (controllerRef is not null)
        {
            if (controllerRef.Uid != _owner.Metadata.Uid)
            {
                return null;
            }

            if (matches)
            {
                return obj;
            }

            // Ours but no longer selected: let go of it, unless we are going away ourselves.
            if (_owner.Metadata.DeletionTimestamp is null)
            {
                await ReleaseAsync(obj, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        if (_owner.Metadata.DeletionTimestamp is not null || !matches || meta.DeletionTimestamp is not null
            || (!string.IsNullOrEmpty(_owner.Metadata.NamespaceProperty) && _owner.Metadata.NamespaceProperty != meta.NamespaceProperty))
        {
            return null;
        }

        try
        {
            return await AdoptAsync(obj, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e))
        {
            // The orphan is gone: nothing to adopt.
            return null;
        }
    }

    private async Task<T> AdoptAsync(T obj, CancellationToken cancellationToken)
    {
        _canAdopt ??= CanAdoptAsync(cancellationToken);
        try
        {
            await _canAdopt.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AdoptionRefusedException(
                $"can't adopt {typeof(T).Name[2..]} {obj.Metadata.NamespaceProperty}/{obj.Metadata.Name} ({obj.Metadata.Uid}): {(e is AdoptionRefusedException ? e.Message : ApiErrors.MessageOf(e))}", e);
        }

        return await _patch(obj, ControllerRefs.AdoptPatch(_controllerRef, obj.Metadata.Uid, _finalizers), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>upstream's RecheckDeletionTimestamp: the live owner must be this very object and not being deleted.</summary>
    private async Task CanAdoptAsync(CancellationToken cancellationToken)
    {
        var fresh = await _readOwner(cancellationToken).ConfigureAwait(false);
        var mine = _owner.Metadata;
        if (fresh.Uid != mine.Uid)
        {
            throw new AdoptionRefusedException($"original {_controllerRef.Kind} {mine.NamespaceProperty}/{mine.Name} is gone: got uid {fresh.Uid}, wanted {mine.Uid}");
        }

        if (fresh.DeletionTimestamp is { } deleted)
        {
            throw new AdoptionRefusedException($"{mine.NamespaceProperty}/{mine.Name} has just been deleted at {deleted:O}");
        }
    }

    private async Task ReleaseAsync(T obj, CancellationToken cancellationToken)
    {
        try
        {
            await _patch(obj, ControllerRefs.ReleasePatch(_owner.Metadata.Uid, obj.Metadata.Uid, _finalizers), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsInvalid(e))
        {
            // Gone, or replaced by a namesake (the uid precondition fails validation), or no longer
            // carrying our reference: in each case there is nothing left to release.
        }
    }
}
