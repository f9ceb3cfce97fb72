using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Gives every pod NoExecute tolerations for node.kubernetes.io/not-ready and /unreachable
/// (300 s by default) unless it already tolerates them, so that pods leave a failed node after
/// that long: upstream's DefaultTolerationSeconds admission plugin.
/// </summary>
internal sealed class DefaultTolerationSeconds(long notReadySeconds, long unreachableSeconds) : IMutatingAdmissionHook
{
    public const string NotReadyTaint = "node.kubernetes.io/not-ready";
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    public bool AppliesTo(ApiResource resource) => resource.Group.Length == 0 && resource.Plural == "pods";

    public Task MutateCreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        var spec = obj.Ensure("spec");
        var tolerations = spec.Arr("tolerations") ?? [];
        var addNotReady = !Tolerates(tolerations, NotReadyTaint);
        var addUnreachable = !Tolerates(tolerations, UnreachableTaint);
        if (addNotReady)
        {
            tolerations.Add(Toleration(NotReadyTaint, notReadySeconds));
        }

        if (addUnreachable)
        {
            tolerations.Add(Toleration(UnreachableTaint, unreachableSeconds));
        }

        if (addNotReady || addUnreachable)
        {
            spec["tolerations"] = tolerations;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// On update too, as upstream's plugin: an apply whose tolerations list (replaced whole by a
    /// patch) lacks the defaults added at create would otherwise remove them, which pod
    /// validation forbids.
    /// </summary>
    public Task MutateUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) =>
        MutateCreateAsync(resource, obj, cancellationToken);

    private static JsonObject Toleration(string key, long seconds) => new()
    {
        ["key"] = key,
        ["operator"] = "Exists",
        ["effect"] = "NoExecute",
        ["tolerationSeconds"] = seconds,
    };

    /// <summary>Whether some toleration already covers a NoExecute taint with this key (an empty key with Exists covers all).</summary>
    private static bool Tolerates(JsonArray tolerations, string key) => tolerations.Objects().Any(t =>
    {
        var effect = t.Item.Str("effect");
        if (effect is { Length: > 0 } && effect != "NoExecute")
        {
            return false;
        }

        var k = t.Item.Str("key");
        return k == key || (string.IsNullOrEmpty(k) && t.Item.Str("operator") == "Exists");
    });
}
