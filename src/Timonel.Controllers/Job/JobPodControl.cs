using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Client.Expectations;
using Timonel.Client.Informers;

namespace Timonel.Controllers.Job;

/// <summary>
/// The Job controller's writes to pods: create from the template, delete, and remove the
/// tracking finalizer (remembering removals in flight so a lagging cache does not count a pod twice).
/// </summary>
internal sealed class JobPodControl(ControllerContext context)
{
    private const string OrphanPrefix = "pod:";

    // Uids of pods whose finalizer removal was sent but not yet seen in the pod cache.
    private readonly ConcurrentDictionary<string, byte> _releasing = new(StringComparer.Ordinal);

    /// <summary>A queue key for a pod that holds the finalizer but whose Job is gone (namespaces never contain ':').</summary>
    public static string OrphanKey(V1Pod pod) => OrphanPrefix + ObjectKeys.KeyOf(pod);

    public static bool IsOrphanKey(string key) => key.StartsWith(OrphanPrefix, StringComparison.Ordinal);

    public bool IsReleasing(V1Pod pod) => _releasing.ContainsKey(pod.Metadata.Uid);

    /// <summary>The cache shows the pod without the finalizer (or gone): the removal is done.</summary>
    public void FinalizerRemoved(V1Pod pod) => _releasing.TryRemove(pod.Metadata.Uid, out _);

    /// <summary>Creates the pods (the caller has set the expectations); throws after all were tried if any failed.</summary>
    public async Task<IReadOnlyList<V1Pod>> CreateAsync(V1Job job, IReadOnlyList<int?> indexes, ControllerExpectations expectations, string key, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(indexes.Select(async index =>
        {
            try
            {
                var pod = await context.Client.CoreV1.CreateNamespacedPodAsync(JobPods.Build(job, index), job.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                context.Events.Normal(JobController.Component, job, "SuccessfulCreate", $"Created pod: {pod.Metadata.Name}");
                return (Pod: pod, Error: (Exception?)null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // This create will never be observed.
                expectations.CreationObserved(key);
                context.Events.Warning(JobController.Component, job, "FailedCreate", $"Error creating: {Message(e)}");
                return (Pod: (V1Pod?)null, Error: e);
            }
        })).ConfigureAwait(false);
        if (results.FirstOrDefault(r => r.Error is not null).Error is { } error)
        {
            throw new InvalidOperationException($"creating pods for job {key}: {Message(error)}", error);
        }

        return [.. results.Select(r => r.Pod!)];
    }

    /// <summary>Releases then deletes the pods (a deleted pod is not counted as failed); the caller has set the expectations.</summary>
    public async Task DeleteAsync(V1Job job, IReadOnlyList<V1Pod> pods, ControllerExpectations expectations, string key, CancellationToken cancellationToken)
    {
        if (pods.Count == 0)
        {
            return;
        }

        await Task.WhenAll(pods.Select(async pod =>
        {
            try
            {
                await RemoveFinalizerAsync(pod, cancellationToken).ConfigureAwait(false);
                var options = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } };
                await context.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, options, cancellationToken: cancellationToken).ConfigureAwait(false);
                context.Events.Normal(JobController.Component, job, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
                expectations.DeletionObserved(key);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                expectations.DeletionObserved(key);
                context.Events.Warning(JobController.Component, job, "FailedDelete", $"Error deleting: {Message(e)}");
                throw;
            }
        })).ConfigureAwait(false);
    }

    public Task RemoveFinalizersAsync(IEnumerable<V1Pod> pods, CancellationToken cancellationToken) =>
        Task.WhenAll(pods.Select(p => RemoveFinalizerAsync(p, cancellationToken)));

    /// <summary>Removes the tracking finalizer from a pod whose Job no longer exists.</summary>
    public async Task CleanupOrphanAsync(string key, SharedInformer<V1Job> jobs, SharedInformer<V1Pod> pods, Action<string> enqueueJob, CancellationToken cancellationToken)
    {
        var pod = pods.Cache.Get(key[OrphanPrefix.Length..]);
        if (pod is null || !JobPods.HasTrackingFinalizer(pod))
        {
            return;
        }

        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == "Job");
        if (owner is not null)
        {
            if (jobs.Cache.Get(pod.Metadata.NamespaceProperty, owner.Name) is { } cached && cached.Metadata.Uid == owner.Uid)
            {
                enqueueJob(ObjectKeys.KeyOf(cached));
                return;
            }

            try
            {
                // The job cache may lag behind the pod cache: ask the server before letting the pod go.
                var job = await context.Client.BatchV1.ReadNamespacedJobAsync(owner.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (job.Metadata.Uid == owner.Uid && job.Metadata.DeletionTimestamp is null)
                {
                    return;
                }
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
            }
        }

        await RemoveFinalizerAsync(pod, cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveFinalizerAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var index = pod.Metadata.Finalizers?.IndexOf(JobPods.TrackingFinalizer) ?? -1;
        if (index < 0)
        {
            return;
        }

        _releasing[pod.Metadata.Uid] = 0;
        // The test makes the removal fail (and the sync retry) if the list changed since the cache saw it.
        var patch = $$"""[{"op":"test","path":"/metadata/finalizers/{{index}}","value":"{{JobPods.TrackingFinalizer}}"},{"op":"remove","path":"/metadata/finalizers/{{index}}"}]""";
        try
        {
            await context.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.JsonPatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            _releasing.TryRemove(pod.Metadata.Uid, out _);
        }
        catch
        {
            _releasing.TryRemove(pod.Metadata.Uid, out _);
            throw;
        }
    }

    private static string Message(Exception e) => e is HttpOperationException h && !string.IsNullOrEmpty(h.Response?.Content) ? h.Response.Content : e.Message;
}
