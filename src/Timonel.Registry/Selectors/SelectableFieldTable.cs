using System.Text.Json.Nodes;
using Timonel.Api.Selectors;
using static Timonel.Api.Selectors.JsonFieldReader;

namespace Timonel.Registry.Selectors;

/// <summary>
/// The field selectors built-in resources accept (each definition names its own set), as kube-apiserver accepts them: the labels
/// come from upstream's field label conversion funcs (pkg/apis/*/v1/conversion.go), the values from
/// the registry strategies' ToSelectableFields, read here from the v1 wire JSON. Resources without
/// a conversion func accept only metadata.name and metadata.namespace, with upstream's default error.
/// </summary>
internal static class SelectableFieldTable
{
    /// <summary>Everything without its own entry (configmaps, deployments, replicasets, custom resources, ...).</summary>
    public static SelectableFields Default { get; } = new(
        [Field("metadata.name", MetadataName), Field("metadata.namespace", MetadataNamespace)],
        field => $"{GoText.Quote(field)} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");

    // Upstream has no conversion for apps/v1 ReplicaSet, so status.replicas is rejected there too.
    public static SelectableFields Nodes { get; } = Core(
        Field("metadata.name", MetadataName),
        Field("spec.unschedulable", o => Boolean(o, "spec", "unschedulable")));

    public static SelectableFields Namespaces { get; } = Core(
        Field("metadata.name", MetadataName),
        Field("status.phase", o => Text(o, "status", "phase")));

    public static SelectableFields Secrets { get; } = Core(
        Field("metadata.name", MetadataName),
        Field("metadata.namespace", MetadataNamespace),
        Field("type", o => Text(o, "type")));

    public static SelectableFields Services { get; } = Core(
        Field("metadata.name", MetadataName),
        Field("metadata.namespace", MetadataNamespace),
        Field("spec.clusterIP", o => Text(o, "spec", "clusterIP")),
        Field("spec.type", o => Text(o, "spec", "type")));

    public static SelectableFields Jobs { get; } = new(
        [
            Field("metadata.name", MetadataName),
            Field("metadata.namespace", MetadataNamespace),
            Field("status.successful", o => Integer(o, "status", "succeeded")),
        ],
        field => $"field label {GoText.Quote(field)} not supported for batchv1.Job");

    public static SelectableFields Pods { get; } = PodFields();

    public static SelectableFields CoreEvents { get; } = CoreEventFields();

    public static SelectableFields EventsV1Events { get; } = EventsV1EventFields();

    private static SelectableFields PodFields() => Core(
        Field("metadata.name", MetadataName),
        Field("metadata.namespace", MetadataNamespace),
        Field("spec.nodeName", o => Text(o, "spec", "nodeName")),

        // Old v1 clients send spec.host; upstream converts it to spec.nodeName.
        Field("spec.host", o => Text(o, "spec", "nodeName")),
        Field("spec.restartPolicy", o => Text(o, "spec", "restartPolicy")),
        Field("spec.schedulerName", o => Text(o, "spec", "schedulerName")),
        Field("spec.serviceAccountName", o => Text(o, "spec", "serviceAccountName")),
        Field("spec.hostNetwork", o => Boolean(o, "spec", "hostNetwork")),
        Field("status.phase", o => Text(o, "status", "phase")),
        Field("status.podIP", PrimaryPodIP),

        // Accepted by upstream's conversion but absent from its field set, so it always reads "".
        Field("status.podIPs", _ => ""),
        Field("status.nominatedNodeName", o => Text(o, "status", "nominatedNodeName")));

    private static SelectableFields CoreEventFields() => Core(
        Field("metadata.name", MetadataName),
        Field("metadata.namespace", MetadataNamespace),
        Field("involvedObject.kind", o => Text(o, "involvedObject", "kind")),
        Field("involvedObject.namespace", o => Text(o, "involvedObject", "namespace")),
        Field("involvedObject.name", o => Text(o, "involvedObject", "name")),
        Field("involvedObject.uid", o => Text(o, "involvedObject", "uid")),
        Field("involvedObject.apiVersion", o => Text(o, "involvedObject", "apiVersion")),
        Field("involvedObject.resourceVersion", o => Text(o, "involvedObject", "resourceVersion")),
        Field("involvedObject.fieldPath", o => Text(o, "involvedObject", "fieldPath")),
        Field("reason", o => Text(o, "reason")),
        Field("reportingComponent", o => Text(o, "reportingComponent")),
        Field("source", o => FirstText(o, ["source", "component"], ["reportingComponent"])),
        Field("type", o => Text(o, "type")));

    // events.k8s.io/v1 shares core Event storage upstream; its conversion maps regarding.* and
    // reportingController onto the core fields, which are read here from the events.k8s.io JSON.
    private static SelectableFields EventsV1EventFields() => Core(
        Field("metadata.name", MetadataName),
        Field("metadata.namespace", MetadataNamespace),
        Field("regarding.kind", o => Text(o, "regarding", "kind")),
        Field("regarding.namespace", o => Text(o, "regarding", "namespace")),
        Field("regarding.name", o => Text(o, "regarding", "name")),
        Field("regarding.uid", o => Text(o, "regarding", "uid")),
        Field("regarding.apiVersion", o => Text(o, "regarding", "apiVersion")),
        Field("regarding.resourceVersion", o => Text(o, "regarding", "resourceVersion")),
        Field("regarding.fieldPath", o => Text(o, "regarding", "fieldPath")),
        Field("reason", o => Text(o, "reason")),
        Field("reportingController", o => Text(o, "reportingController")),
        Field("source", o => FirstText(o, ["deprecatedSource", "component"], ["reportingController"])),
        Field("type", o => Text(o, "type")));

    // Upstream's core/v1 conversion funcs all word their error this way.
    private static SelectableFields Core(params KeyValuePair<string, Func<JsonObject, string>>[] fields) =>
        new(fields, field => $"field label not supported: {field}");

    private static KeyValuePair<string, Func<JsonObject, string>> Field(string name, Func<JsonObject, string> read) => new(name, read);

    private static string MetadataName(JsonObject o) => Text(o, "metadata", "name");

    private static string MetadataNamespace(JsonObject o) => Text(o, "metadata", "namespace");

    // Upstream reads the first of status.podIPs; v1 objects may also carry only status.podIP.
    private static string PrimaryPodIP(JsonObject o) =>
        Find(o, ["status", "podIPs"]) is JsonArray { Count: > 0 } ips && ips[0] is JsonObject first
            ? Text(first, "ip")
            : Text(o, "status", "podIP");
}
