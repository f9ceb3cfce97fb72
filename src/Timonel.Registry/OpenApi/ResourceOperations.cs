using System.Globalization;
using Timonel.Api.Patch;
using Timonel.Registry.Discovery;
using Timonel.Registry.Resources;

namespace Timonel.Registry.OpenApi;

/// <summary>
/// The REST paths and operations upstream publishes for a resource: collection, item, the
/// all-namespaces list, and the subresources, each with the query parameters the server accepts
/// (kubectl looks for fieldValidation on PATCH to decide whether the server validates fields).
/// </summary>
internal static class ResourceOperations
{
    public const string StatusSchema = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
    public const string DeleteOptionsSchema = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";

    /// <summary>Content types a PATCH accepts, as upstream lists them.</summary>
    public static readonly string[] PatchContentTypes =
        ["application/apply-patch+yaml", PatchApplier.JsonPatch, PatchApplier.MergePatch, PatchApplier.StrategicMergePatch];

    /// <summary>
    /// Content types a custom resource's PATCH accepts: no strategic merge, as upstream. kubectl
    /// apply sends a strategic merge patch only where the PATCH lists it, else a merge patch.
    /// </summary>
    public static readonly string[] PatchContentTypesWithoutStrategicMerge =
        ["application/apply-patch+yaml", PatchApplier.JsonPatch, PatchApplier.MergePatch];

    /// <summary>Content types every operation can produce.</summary>
    public static readonly string[] Produces = ["application/json", "application/yaml"];

    private static readonly ParameterSpec Pretty = Query("pretty", "string", "If 'true', then the output is pretty printed.");
    private static readonly ParameterSpec DryRun = Query("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid value: All.");
    private static readonly ParameterSpec FieldManager = Query("fieldManager", "string", "A name associated with the actor or entity that is making these changes.");
    private static readonly ParameterSpec FieldValidation = Query("fieldValidation", "string", "How the server treats unknown or duplicate fields in the request body: Ignore, Warn or Strict.");
    private static readonly ParameterSpec Force = Query("force", "boolean", "Force is going to \"force\" Apply requests: re-acquire conflicting fields owned by other managers. Only for apply patches.");
    private static readonly ParameterSpec Namespace = new("namespace", "path", "string", "object name and auth scope, such as for teams and projects", true);
    private static readonly ParameterSpec Name = new("name", "path", "string", "name of the object", true);

    private static readonly ParameterSpec[] WriteParameters = [DryRun, FieldManager, FieldValidation];
    private static readonly ParameterSpec[] PatchParameters = [DryRun, FieldManager, FieldValidation, Force];

    private static readonly ParameterSpec[] ListParameters =
    [
        Query("allowWatchBookmarks", "boolean", "Requests watch events with type BOOKMARK."),
        Query("continue", "string", "The continue token of a previous list call, to fetch the next page."),
        Query("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields."),
        Query("labelSelector", "string", "A selector to restrict the list of returned objects by their labels."),
        Query("limit", "integer", "The maximum number of responses to return for a list call."),
        Query("resourceVersion", "string", "Constrains which resource versions a request may be served from."),
        Query("resourceVersionMatch", "string", "How resourceVersion is applied to list calls: Exact or NotOlderThan."),
        Query("sendInitialEvents", "boolean", "With watch=true, begin the watch stream with synthetic ADDED events of the current state."),
        Query("timeoutSeconds", "integer", "Timeout for the list/watch call."),
        Query("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
    ];

    private static readonly ParameterSpec[] DeleteParameters =
    [
        DryRun,
        Query("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
        Query("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
        Query("propagationPolicy", "string", "Whether and how garbage collection will be performed: Orphan, Background or Foreground."),
    ];

    /// <summary>The paths of <paramref name="r"/>, given the definition names of its kind and list.</summary>
    public static IEnumerable<PathSpec> For(ApiResource r, string kindSchema, string listSchema, Func<Type, string> schemaOf)
    {
        var prefix = r.Group.Length == 0 ? $"/api/{r.Version}" : $"/apis/{r.Group}/{r.Version}";
        var gvk = (r.Group, r.Version, r.Kind);
        var tag = Tag(r);
        var id = OperationIdPart(r);
        var scope = r.Namespaced ? "Namespaced" : "";
        var collection = r.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{r.Plural}" : $"{prefix}/{r.Plural}";
        var scopeParameters = r.Namespaced ? new[] { Namespace, Pretty } : [Pretty];
        var itemParameters = r.Namespaced ? new[] { Name, Namespace, Pretty } : [Name, Pretty];
        string[] okCreated = ["200", "201"];
        var strategicMerge = r.Definition.Custom is null;
        OperationSpec Op(string method, string action, string id, string description, string tag, (string, string, string) gvk, string? body, IReadOnlyList<ParameterSpec> parameters, IReadOnlyList<ResponseSpec> responses) =>
            new(method, action, id, description, tag, gvk, body, parameters, [.. responses, new ResponseSpec("401", "Unauthorized", null)], strategicMerge);

        yield return new PathSpec(collection, scopeParameters,
        [
            Op("get", "list", $"list{id}{scope}{r.Kind}", $"list or watch objects of kind {r.Kind}", tag, gvk, null, ListParameters, Responses(listSchema, "200")),
            Op("post", "post", $"create{id}{scope}{r.Kind}", $"create a {r.Kind}", tag, gvk, kindSchema, WriteParameters, Responses(kindSchema, "200", "201", "202")),
            Op("delete", "deletecollection", $"deleteCollection{id}{scope}{r.Kind}", $"delete collection of {r.Kind}", tag, gvk, DeleteOptionsSchema, [.. DeleteParameters, .. ListParameters], Responses(StatusSchema, "200")),
        ]);

        yield return new PathSpec($"{collection}/{{name}}", itemParameters,
        [
            Op("get", "get", $"read{id}{scope}{r.Kind}", $"read the specified {r.Kind}", tag, gvk, null, [], Responses(kindSchema, "200")),
            Op("put", "put", $"replace{id}{scope}{r.Kind}", $"replace the specified {r.Kind}", tag, gvk, kindSchema, WriteParameters, Responses(kindSchema, okCreated)),
            Op("patch", "patch", $"patch{id}{scope}{r.Kind}", $"partially update the specified {r.Kind}", tag, gvk, SchemaGenerator.PatchName, PatchParameters, Responses(kindSchema, okCreated)),
            Op("delete", "delete", $"delete{id}{scope}{r.Kind}", $"delete a {r.Kind}", tag, gvk, DeleteOptionsSchema, DeleteParameters, [.. Responses(StatusSchema, "200"), .. Responses(StatusSchema, "202")]),
        ]);

        if (r.Namespaced)
        {
            // kubectl explain (1.27) finds a kind through the GET of "<prefix>/<plural>".
            yield return new PathSpec($"{prefix}/{r.Plural}", [Pretty],
            [
                Op("get", "list", $"list{id}{r.Kind}ForAllNamespaces", $"list or watch objects of kind {r.Kind}", tag, gvk, null, ListParameters, Responses(listSchema, "200")),
            ]);
        }

        foreach (var sub in r.Subresources)
        {
            var known = SubresourceKind.For(sub);
            if (known.Streaming)
            {
                continue;
            }

            var (group, version, kind, model) = known.ResolveFor(r);
            if (model is null)
            {
                continue;
            }

            var subSchema = schemaOf(model);
            var subGvk = (group, version, kind);
            var suffix = char.ToUpperInvariant(sub[0]) + sub[1..];
            var ops = new List<OperationSpec>();
            foreach (var verb in known.Verbs)
            {
                var what = $"{sub} of the specified {r.Kind}";
                ops.Add(verb switch
                {
                    "get" => Op("get", "get", $"read{id}{scope}{r.Kind}{suffix}", $"read {what}", tag, subGvk, null, [], Responses(subSchema, "200")),
                    "update" => Op("put", "put", $"replace{id}{scope}{r.Kind}{suffix}", $"replace {what}", tag, subGvk, subSchema, WriteParameters, Responses(subSchema, okCreated)),
                    "patch" => Op("patch", "patch", $"patch{id}{scope}{r.Kind}{suffix}", $"partially update {what}", tag, subGvk, SchemaGenerator.PatchName, PatchParameters, Responses(subSchema, okCreated)),
                    _ => Op("post", "post", $"create{id}{scope}{r.Kind}{suffix}", $"create {what}", tag, subGvk, subSchema, WriteParameters, Responses(subSchema, "200", "201", "202")),
                });
            }

            yield return new PathSpec($"{collection}/{{name}}/{sub}", itemParameters, ops);
        }
    }

    /// <summary>"core_v1", "apps_v1", "rbacAuthorization_v1": upstream's operation tags.</summary>
    public static string Tag(ApiResource r)
    {
        var part = OperationIdPart(r)[..^r.Version.Length];
        return $"{char.ToLowerInvariant(part[0])}{part[1..]}_{r.Version}";
    }

    // "CoreV1", "AppsV1", "RbacAuthorizationV1", "NetworkingV1".
    private static string OperationIdPart(ApiResource r)
    {
        var group = r.Group.Length == 0 ? "core" : r.Group.Replace(".k8s.io", "", StringComparison.Ordinal);
        var words = group.Split('.').Select(w => char.ToUpperInvariant(w[0]) + w[1..]);
        return string.Concat(words) + char.ToUpper(r.Version[0], CultureInfo.InvariantCulture) + r.Version[1..];
    }

    private static ResponseSpec[] Responses(string schema, params string[] codes) =>
        codes.Select(c => new ResponseSpec(c, c switch { "201" => "Created", "202" => "Accepted", _ => "OK" }, schema)).ToArray();

    private static ParameterSpec Query(string name, string type, string description) => new(name, "query", type, description);
}
