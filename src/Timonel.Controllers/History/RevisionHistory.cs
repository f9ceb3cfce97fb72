using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.History;

/// <summary>The current and update revisions of a workload, every revision it owns, and the collision count to record in its status.</summary>
public sealed record WorkloadRevisions(V1ControllerRevision Current, V1ControllerRevision Update, IReadOnlyList<V1ControllerRevision> All, int CollisionCount);

/// <summary>
/// Keeps the ControllerRevisions of a StatefulSet or DaemonSet (upstream's controller history):
/// one revision per distinct template, named &lt;parent&gt;-&lt;hash&gt;, numbered in the order they
/// were last used, the oldest unused ones pruned beyond revisionHistoryLimit.
/// </summary>
public sealed class RevisionHistory(IKubernetes client)
{
    /// <summary>Label a revision carries with its hash (pods carry it too).</summary>
    public const string HashLabel = "controller-revision-hash";

    /// <summary>Revisions oldest first, as upstream sorts them (revision number, then name).</summary>
    public static List<V1ControllerRevision> Sorted(IEnumerable<V1ControllerRevision> revisions) =>
        [.. revisions.OrderBy(r => r.Revision).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Finds or makes the revision for the parent's current template: the newest revision if it
    /// already records it; an older equal one renumbered as the newest (a rollback); else a new one.
    /// The current revision is the one named <paramref name="currentRevisionName"/>, else the update revision.
    /// </summary>
    public async Task<WorkloadRevisions> ResolveAsync(
        IKubernetesObject<V1ObjectMeta> parent,
        string parentKind,
        V1PodTemplateSpec template,
        IEnumerable<V1ControllerRevision> owned,
        string? currentRevisionName,
        int collisionCount,
        CancellationToken cancellationToken)
    {
        var revisions = Sorted(owned);
        var data = TemplateRevisions.DataOf(template);
        if (revisions.Count == 0 || !TemplateRevisions.Records(revisions[^1], data))
        {
            // About to create or renumber a revision: the informer cache may miss revisions this
            // controller made moments ago, and numbering from it would reuse a number (or miss an
            // equal revision to roll back to). Decide on the API server's list instead.
            revisions = Sorted(await ListOwnedAsync(parent, cancellationToken).ConfigureAwait(false));
        }

        long next = revisions.Count == 0 ? 1 : (revisions[^1].Revision ?? 0) + 1;
        var equal = revisions.Where(r => TemplateRevisions.Records(r, data)).ToList();
        V1ControllerRevision update;
        if (equal.Count > 0 && ReferenceEquals(equal[^1], revisions[^1]))
        {
            update = equal[^1];
        }
        else if (equal.Count > 0)
        {
            update = await RenumberAsync(equal[^1], next, cancellationToken).ConfigureAwait(false);
            revisions[revisions.FindIndex(r => r.Metadata.Name == update.Metadata.Name)] = update;
        }
        else
        {
            (update, collisionCount) = await CreateAsync(parent, parentKind, template, data, next, collisionCount, cancellationToken).ConfigureAwait(false);
            revisions.Add(update);
        }

        var current = revisions.FirstOrDefault(r => r.Metadata.Name == currentRevisionName) ?? update;
        return new WorkloadRevisions(current, update, revisions, collisionCount);
    }

    /// <summary>Deletes the oldest revisions not in <paramref name="live"/> until at most <paramref name="limit"/> such remain.</summary>
    public async Task TruncateAsync(IEnumerable<V1ControllerRevision> revisions, ISet<string> live, int limit, CancellationToken cancellationToken)
    {
        var history = Sorted(revisions).Where(r => !live.Contains(r.Metadata.Name)).ToList();
        foreach (var old in history.Take(Math.Max(0, history.Count - Math.Max(0, limit))))
        {
            try
            {
                await client.AppsV1.DeleteNamespacedControllerRevisionAsync(old.Metadata.Name, old.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
            }
        }
    }

    private async Task<IEnumerable<V1ControllerRevision>> ListOwnedAsync(IKubernetesObject<V1ObjectMeta> parent, CancellationToken cancellationToken)
    {
        var list = await client.AppsV1.ListNamespacedControllerRevisionAsync(parent.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items.Where(r => ControllerRefs.IsControlledBy(r.Metadata, parent.Metadata.Uid));
    }

    private async Task<V1ControllerRevision> RenumberAsync(V1ControllerRevision revision, long number, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(new JsonObject { ["revision"] = number }.ToJsonString(), V1Patch.PatchType.MergePatch);
        return await client.AppsV1.PatchNamespacedControllerRevisionAsync(patch, revision.Metadata.Name, revision.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the revision; a name already taken by other data bumps the collision count and tries the next name.</summary>
    private async Task<(V1ControllerRevision, int)> CreateAsync(
        IKubernetesObject<V1ObjectMeta> parent, string parentKind, V1PodTemplateSpec template, string data, long number, int collisionCount, CancellationToken cancellationToken)
    {
        var ns = parent.Metadata.NamespaceProperty;
        while (true)
        {
            var hash = RevisionHash.Compute(data, collisionCount);
            var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal) { [HashLabel] = hash };
            var revision = new V1ControllerRevision
            {
                ApiVersion = "apps/v1",
                Kind = "ControllerRevision",
                Metadata = new V1ObjectMeta
                {
                    Name = $"{parent.Metadata.Name}-{hash}",
                    NamespaceProperty = ns,
                    Labels = labels,
                    OwnerReferences = [ControllerRefs.ControllerRef("apps/v1", parentKind, parent.Metadata)],
                },
                Data = JsonNode.Parse(data),
                Revision = number,
            };
            try
            {
                var created = await client.AppsV1.CreateNamespacedControllerRevisionAsync(revision, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                return (created, collisionCount);
            }
            catch (HttpOperationException e) when (ApiErrors.IsAlreadyExists(e))
            {
                var existing = await client.AppsV1.ReadNamespacedControllerRevisionAsync(revision.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (TemplateRevisions.Records(existing, data) && existing.Metadata.OwnerReferences?.Any(o => o.Uid == parent.Metadata.Uid) == true)
                {
                    return (existing, collisionCount);
                }

                collisionCount++;
            }
        }
    }
}
