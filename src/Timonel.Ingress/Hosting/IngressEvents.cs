using k8s.Models;
using Timonel.Client.Events;

namespace Timonel.Ingress.Hosting;

/// <summary>
/// Reports what is wrong with an Ingress as Warning events, once per change of its problems
/// (not at every rebuild), and a Normal "Sync" event when its problems clear.
/// </summary>
internal sealed class IngressEvents(EventRecorder recorder)
{
    private Dictionary<string, string[]> _reported = new(StringComparer.Ordinal);

    public void Report(IEnumerable<V1Ingress> ingresses, IReadOnlyDictionary<string, List<string>> problems)
    {
        var now = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var ingress in ingresses)
        {
            var key = Routing.RouteTableBuilder.Key(ingress);
            var current = problems.TryGetValue(key, out var list) ? list.ToArray() : [];
            var before = _reported.TryGetValue(key, out var b) ? b : [];
            if (current.Length > 0)
            {
                now[key] = current;
            }

            foreach (var problem in current.Except(before, StringComparer.Ordinal))
            {
                recorder.Event(ingress, EventTypes.Warning, ReasonOf(problem), problem);
            }

            if (current.Length == 0 && before.Length > 0)
            {
                recorder.Event(ingress, EventTypes.Normal, "Sync", "every backend and TLS secret of the Ingress resolves");
            }
        }

        _reported = now;
    }

    /// <summary>A CamelCase reason a person can filter on (kubectl get events --field-selector reason=...).</summary>
    private static string ReasonOf(string problem) => problem switch
    {
        _ when problem.StartsWith("secret ", StringComparison.Ordinal) && problem.EndsWith(" not found", StringComparison.Ordinal) => "SecretNotFound",
        _ when problem.StartsWith("secret ", StringComparison.Ordinal) => "InvalidSecret",
        _ when problem.StartsWith("service ", StringComparison.Ordinal) && problem.EndsWith(" not found", StringComparison.Ordinal) => "ServiceNotFound",
        _ => "InvalidBackend",
    };
}
