using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// Upstream's naming controller: a CRD's requested names are accepted unless another CRD of
/// the same group already holds them (plural, singular and short names share one namespace,
/// kind and listKind another). A name the CRD already holds stays its own. The result is the
/// new status.acceptedNames and the NamesAccepted condition's status, reason and message.
/// </summary>
public static class CrdNaming
{
    public sealed record Result(JsonObject AcceptedNames, bool Accepted, string Reason, string Message);

    /// <param name="crd">The CRD being named.</param>
    /// <param name="others">Every other CRD (any group; those of other groups are ignored).</param>
    public static Result Evaluate(JsonObject crd, IEnumerable<JsonObject> others)
    {
        var spec = crd.Obj("spec");
        var group = spec.Str("group") ?? "";
        var self = crd.Obj("metadata").Str("name");
        var resources = new HashSet<string>(StringComparer.Ordinal);
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var other in others)
        {
            if (other.Obj("spec").Str("group") != group || other.Obj("metadata").Str("name") == self)
            {
                continue;
            }

            var names = other.Obj("status").Obj("acceptedNames");
            AddIfSet(resources, names.Str("plural"));
            AddIfSet(resources, names.Str("singular"));
            foreach (var (_, shortName) in names.Arr("shortNames").Strings())
            {
                resources.Add(shortName);
            }

            AddIfSet(kinds, names.Str("kind"));
            AddIfSet(kinds, names.Str("listKind"));
        }

        var requested = spec.Obj("names") ?? [];
        var accepted = crd.Obj("status").Obj("acceptedNames") ?? [];
        var result = (JsonObject)accepted.DeepClone();
        (bool Ok, string Reason, string Message) condition = (true, "NoConflicts", "no conflicts found");

        void Check(string field, HashSet<string> used, string reason)
        {
            var want = requested.Str(field) ?? "";
            if (want == (accepted.Str(field) ?? "") || !used.Contains(want))
            {
                result[field] = want;
            }
            else
            {
                condition = (false, reason, $"\"{want}\" is already in use");
            }
        }

        Check("plural", resources, "PluralConflict");
        Check("singular", resources, "SingularConflict");
        var wantShort = requested.Arr("shortNames").Strings().Select(s => s.Value).ToList();
        var haveShort = accepted.Arr("shortNames").Strings().Select(s => s.Value).ToHashSet(StringComparer.Ordinal);
        if (!wantShort.ToHashSet(StringComparer.Ordinal).SetEquals(haveShort))
        {
            var conflict = wantShort.FirstOrDefault(s => !haveShort.Contains(s) && resources.Contains(s));
            if (conflict is null)
            {
                SetList(result, "shortNames", wantShort);
            }
            else
            {
                condition = (false, "ShortNamesConflict", $"\"{conflict}\" is already in use");
            }
        }

        Check("kind", kinds, "KindConflict");
        Check("listKind", kinds, "ListKindConflict");
        SetList(result, "categories", requested.Arr("categories").Strings().Select(s => s.Value).ToList());
        return new Result(result, condition.Ok, condition.Reason, condition.Message);
    }

    private static void AddIfSet(HashSet<string> set, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            set.Add(value);
        }
    }

    private static void SetList(JsonObject obj, string key, List<string> values)
    {
        if (values.Count == 0)
        {
            obj.Remove(key);
        }
        else
        {
            obj[key] = new JsonArray(values.Select(v => (JsonNode)v).ToArray());
        }
    }
}
