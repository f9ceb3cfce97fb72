using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Registry.Resources;

/// <summary>
/// What a delete does to one kind before the object leaves the store (upstream's
/// RESTGracefulDeleteStrategy and the namespace registry's finalize rules). The base policy
/// removes the object at once unless metadata.finalizers hold it. Stateless.
/// </summary>
public class DeletePolicy
{
    /// <summary>Removed at once (unless finalizers hold it): every kind without its own policy.</summary>
    public static DeletePolicy Immediate { get; } = new();

    /// <summary>Pods: a bound, unfinished pod gets a grace period for its node to stop it.</summary>
    public static DeletePolicy GracefulPod { get; } = new GracefulPodDeletePolicy();

    /// <summary>Namespaces: turn Terminating and stay until spec.finalizers is emptied through /finalize.</summary>
    public static DeletePolicy FinalizedNamespace { get; } = new NamespaceDeletePolicy();

    /// <summary>The grace period of this delete in seconds; 0 means no graceful phase.</summary>
    /// <param name="obj">The object as stored.</param>
    /// <param name="requested">DeleteOptions.gracePeriodSeconds, when the client sent one.</param>
    public virtual long GracePeriod(JsonObject obj, long? requested) => 0;

    /// <summary>
    /// True when a delete with grace 0 of an object already in its grace period ends that period
    /// (the node agent's final delete of a pod).
    /// </summary>
    public virtual bool EndsGraceOnImmediateDelete => false;

    /// <summary>Changes made when a delete starts (a namespace turns Terminating); true when <paramref name="obj"/> changed.</summary>
    public virtual bool BeginDelete(JsonObject obj) => false;

    /// <summary>True when something besides metadata.finalizers holds a deleting object (a namespace's spec.finalizers).</summary>
    public virtual bool HeldBeyondFinalizers(JsonObject obj) => false;

    /// <summary>
    /// Whether an update that leaves a deleting object without finalizers completes its delete:
    /// not while a grace period runs or something else still holds it.
    /// </summary>
    public bool IsDeleteComplete(JsonObject obj) =>
        (!HasGracePhase || (JsonAccess.AsLong(obj["metadata"]?["deletionGracePeriodSeconds"]) ?? 0) == 0) && !HeldBeyondFinalizers(obj);

    /// <summary>True for kinds whose deletes may run a grace period.</summary>
    protected virtual bool HasGracePhase => false;

    private sealed class GracefulPodDeletePolicy : DeletePolicy
    {
        public override bool EndsGraceOnImmediateDelete => true;

        protected override bool HasGracePhase => true;

        // A bound pod that is not finished gets the request's grace, else its spec's, else 30 s.
        public override long GracePeriod(JsonObject obj, long? requested)
        {
            var grace = requested ?? JsonAccess.AsLong(obj["spec"]?["terminationGracePeriodSeconds"]) ?? 30;
            var bound = JsonAccess.AsString(obj["spec"]?["nodeName"]) is { Length: > 0 };
            var finished = JsonAccess.AsString(obj["status"]?["phase"]) is "Succeeded" or "Failed";
            return bound && !finished ? grace : 0;
        }
    }

    private sealed class NamespaceDeletePolicy : DeletePolicy
    {
        protected override bool HasGracePhase => true;

        public override bool BeginDelete(JsonObject obj)
        {
            if (JsonAccess.AsString(obj["status"]?["phase"]) == "Terminating")
            {
                return false;
            }

            obj["status"] ??= new JsonObject();
            obj["status"]!["phase"] = "Terminating";
            return true;
        }

        public override bool HeldBeyondFinalizers(JsonObject obj) => (obj["spec"]?["finalizers"] as JsonArray)?.Count > 0;
    }
}
