using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.History;

namespace Timonel.Controllers.DaemonSet;

/// <summary>A failed pod to replace: kept apart so the controller can say why it deletes it.</summary>
public sealed record FailedDaemonPod(V1Pod Pod, string Node);

/// <summary>What one sync of a DaemonSet does: pods to create (by node), pods to delete, and the status it observed.</summary>
public sealed record DaemonSetPlan(
    IReadOnlyList<string> CreateOn,
    IReadOnlyList<V1Pod> Delete,
    IReadOnlyList<FailedDaemonPod> Failed,
    V1DaemonSetStatus Status,
    DateTimeOffset? RequeueAt)
{
    /// <summary>
    /// Decides, from the cached nodes and the set's pods, which pods a DaemonSet needs (one per
    /// eligible node, none elsewhere), and how far a RollingUpdate may go this step: with maxSurge 0,
    /// old pods are deleted while fewer than maxUnavailable nodes lack an available pod; with
    /// maxSurge, a new pod starts beside the old one on up to maxSurge nodes and the old one goes once
    /// the new one is available.
    /// </summary>
    public static DaemonSetPlan Make(V1DaemonSet set, IReadOnlyList<V1Node> nodes, IReadOnlyList<V1Pod> pods, string updateHash, DateTimeOffset now)
    {
        var spec = DaemonPodTemplate.SpecWithTolerations(set.Spec.Template);
        var minReady = set.Spec.MinReadySeconds ?? 0;
        var active = pods.Where(p => !PodConditions.IsPodTerminating(p)).ToList();
        var byNode = active.GroupBy(p => DaemonPodTemplate.TargetNode(p) ?? "").ToDictionary(g => g.Key, g => g.OrderBy(Created).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var createOn = new List<string>();
        var delete = new List<V1Pod>();
        var failed = new List<FailedDaemonPod>();
        var settled = new List<(string Node, List<V1Pod> Pods)>();
        var status = new V1DaemonSetStatus
        {
            ObservedGeneration = set.Metadata.Generation,
            CollisionCount = set.Status?.CollisionCount,
            DesiredNumberScheduled = 0,
            CurrentNumberScheduled = 0,
            NumberMisscheduled = 0,
            NumberReady = 0,
            NumberAvailable = 0,
            UpdatedNumberScheduled = 0,
        };
        TimeSpan? requeue = null;
        var rolling = set.Spec.UpdateStrategy?.Type != "OnDelete";
        var (maxSurge, maxUnavailable) = (0, 1);
        var desired = nodes.Count(n => NodeEligibility.Check(n, spec).ShouldRun);
        if (rolling)
        {
            (maxSurge, maxUnavailable) = Budget(set.Spec.UpdateStrategy?.RollingUpdate, desired);
        }

        foreach (var node in nodes)
        {
            var fit = NodeEligibility.Check(node, spec);
            var here = byNode.GetValueOrDefault(node.Metadata.Name) ?? [];
            byNode.Remove(node.Metadata.Name);
            if (fit.ShouldRun)
            {
                status.DesiredNumberScheduled++;
                if (here.Count > 0)
                {
                    status.CurrentNumberScheduled++;
                    var oldest = here[0];
                    if (PodConditions.IsPodReady(oldest))
                    {
                        status.NumberReady++;
                        if (PodConditions.IsPodAvailable(oldest, minReady, now))
                        {
                            status.NumberAvailable++;
                        }
                    }

                    if (IsUpdated(oldest, updateHash))
                    {
                        status.UpdatedNumberScheduled++;
                    }
                }

                foreach (var pod in here)
                {
                    requeue = Min(requeue, PodConditions.TimeUntilAvailable(pod, minReady, now));
                }

                var finished = here.Where(PodConditions.IsPodTerminal).ToList();
                failed.AddRange(finished.Select(p => new FailedDaemonPod(p, node.Metadata.Name)));
                var running = here.Except(finished).ToList();
                if (running.Count == 0)
                {
                    createOn.Add(node.Metadata.Name);
                    continue;
                }

                var keep = Keep(running, updateHash, maxSurge > 0);
                delete.AddRange(running.Except(keep));
                if (finished.Count == 0 && keep.Count == running.Count)
                {
                    settled.Add((node.Metadata.Name, keep));
                }
            }
            else
            {
                if (here.Count > 0)
                {
                    status.NumberMisscheduled++;
                }

                if (!fit.ShouldContinueRunning)
                {
                    delete.AddRange(here);
                }
            }
        }

        // Pods for nodes that no longer exist (or name none) have nowhere to run.
        delete.AddRange(byNode.Values.SelectMany(p => p));

        if (rolling)
        {
            Roll(settled, updateHash, maxSurge, maxUnavailable, desired, minReady, now, createOn, delete);
        }

        status.NumberUnavailable = status.DesiredNumberScheduled - status.NumberAvailable;
        // Absolute, from the reading the plan was made at (the controller's API calls come between).
        return new DaemonSetPlan(createOn, delete, failed, status, now + requeue);
    }

    /// <summary>maxSurge and maxUnavailable as pod counts over the desired count (percentages round up; both zero means one unavailable).</summary>
    public static (int MaxSurge, int MaxUnavailable) Budget(V1RollingUpdateDaemonSet? rollingUpdate, int desired)
    {
        var surge = Scaled(rollingUpdate?.MaxSurge, desired, 0);
        var unavailable = Scaled(rollingUpdate?.MaxUnavailable, desired, 1);
        return surge == 0 && unavailable == 0 ? (0, 1) : (surge, unavailable);
    }

    public static bool IsUpdated(V1Pod pod, string hash) =>
        pod.Metadata.Labels?.TryGetValue(RevisionHistory.HashLabel, out var h) == true && h == hash;

    private static void Roll(
        List<(string Node, List<V1Pod> Pods)> settled, string hash, int maxSurge, int maxUnavailable, int desired, int minReady, DateTimeOffset now, List<string> createOn, List<V1Pod> delete)
    {
        if (maxSurge == 0)
        {
            var unavailable = desired - settled.Count(s => PodConditions.IsPodAvailable(s.Pods[0], minReady, now));
            // Unavailable old pods go first: replacing them costs no availability.
            foreach (var (_, podsHere) in settled.OrderBy(s => PodConditions.IsPodAvailable(s.Pods[0], minReady, now)))
            {
                var pod = podsHere[0];
                if (IsUpdated(pod, hash))
                {
                    continue;
                }

                if (!PodConditions.IsPodAvailable(pod, minReady, now))
                {
                    delete.Add(pod);
                }
                else if (unavailable < maxUnavailable)
                {
                    delete.Add(pod);
                    unavailable++;
                }
            }

            return;
        }

        var surging = settled.Count(s => s.Pods.Count > 1);
        foreach (var (node, podsHere) in settled)
        {
            var updated = podsHere.FirstOrDefault(p => IsUpdated(p, hash));
            var old = podsHere.FirstOrDefault(p => !IsUpdated(p, hash));
            if (old is null)
            {
                continue;
            }

            if (updated is null)
            {
                if (surging < maxSurge)
                {
                    createOn.Add(node);
                    surging++;
                }
            }
            else if (PodConditions.IsPodAvailable(updated, minReady, now))
            {
                delete.Add(old);
            }
        }
    }

    /// <summary>The pods a node keeps when it has several: the oldest, or with surge the oldest updated and the oldest old one.</summary>
    private static List<V1Pod> Keep(List<V1Pod> running, string hash, bool surge)
    {
        if (running.Count == 1)
        {
            return running;
        }

        if (!surge)
        {
            return [running[0]];
        }

        var keep = new List<V1Pod>();
        if (running.FirstOrDefault(p => IsUpdated(p, hash)) is { } updated)
        {
            keep.Add(updated);
        }

        if (running.FirstOrDefault(p => !IsUpdated(p, hash)) is { } old)
        {
            keep.Add(old);
        }

        return keep;
    }

    private static int Scaled(IntOrString? value, int total, int fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        var node = JsonNode.Parse(KubernetesJson.Serialize(value));
        if (node is JsonValue v && v.TryGetValue<int>(out var n))
        {
            return n;
        }

        var text = node?.GetValue<string>() ?? "";
        if (text.EndsWith('%') && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
        {
            return (int)Math.Ceiling(percent * total / 100.0);
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var plain) ? plain : fallback;
    }

    private static DateTime Created(V1Pod pod) => pod.Metadata.CreationTimestamp ?? DateTime.MaxValue;

    private static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
