using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// Upstream's printers (pkg/printers/internalversion) of the kinds the server only stores:
/// flow control, admission registration, node, CSI storage, certificates, API registration and
/// service CIDRs. Column names, types and order as upstream's.
/// </summary>
internal static class StoredKindTables
{
    private static (TableColumn, Func<JsonObject, DateTimeOffset, object?>) Age => (CommonColumns.Age, (o, now) => TableCells.Age(o, now));

    private static (TableColumn, Func<JsonObject, DateTimeOffset, object?>) Text(string name, string description, params string[] path) =>
        (CommonColumns.Text(name, description), (o, _) => Str(At(o, path)) ?? "");

    private static (TableColumn, Func<JsonObject, DateTimeOffset, object?>) Bool(string name, string description, bool missing, params string[] path) =>
        (new TableColumn(name, "boolean", "", description, 0), (o, _) => TableCells.Bool(At(o, path)) ?? missing);

    private static (TableColumn, Func<JsonObject, DateTimeOffset, object?>) Count(string name, string description, params string[] path) =>
        (CommonColumns.Integer(name, description), (o, _) => (long)Objects(At(o, path)).Count());

    public static ITableConvertor RuntimeClass { get; } = new ColumnTable(Text("Handler", "Handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.", "handler"), Age);

    public static ITableConvertor FlowSchema { get; } = new ColumnTable(
        Text("PriorityLevel", "The name of the PriorityLevelConfiguration this FlowSchema refers to.", "spec", "priorityLevelConfiguration", "name"),
        (CommonColumns.Integer("MatchingPrecedence", "The precedence of this FlowSchema among those that match a request."), (o, _) => Long(At(o, "spec", "matchingPrecedence")) ?? 0),
        (CommonColumns.Text("DistinguisherMethod", "ByUser or ByNamespace."), (o, _) => Str(At(o, "spec", "distinguisherMethod", "type")) ?? "<none>"),
        Age,
        (CommonColumns.Text("MissingPL", "Whether the referenced PriorityLevelConfiguration exists."), (o, _) => Objects(At(o, "status", "conditions")).FirstOrDefault(c => Str(c["type"]) == "Dangling") is { } d ? Str(d["status"]) ?? "?" : "?"));

    public static ITableConvertor PriorityLevelConfiguration { get; } = new ColumnTable(
        Text("Type", "Exempt or Limited.", "spec", "type"),
        (CommonColumns.Text("NominalConcurrencyShares", "The concurrency shares of a Limited level."), (o, _) => Limited(o, "nominalConcurrencyShares")),
        (CommonColumns.Text("Queues", "The number of queues."), (o, _) => Queuing(o, "queues")),
        (CommonColumns.Text("HandSize", "The number of queues a flow is shuffle-sharded to."), (o, _) => Queuing(o, "handSize")),
        (CommonColumns.Text("QueueLengthLimit", "The maximum number of requests waiting in one queue."), (o, _) => Queuing(o, "queueLengthLimit")),
        Age);

    public static ITableConvertor WebhookConfiguration { get; } = new ColumnTable(Count("Webhooks", "The number of webhooks of this configuration.", "webhooks"), Age);

    public static ITableConvertor ValidatingAdmissionPolicy { get; } = new ColumnTable(
        Count("Validations", "The number of validations of this policy.", "spec", "validations"),
        (CommonColumns.Text("ParamKind", "The kind of the parameter resource."), (o, _) => At(o, "spec", "paramKind") is JsonObject p ? $"{Str(p["apiVersion"])}/{Str(p["kind"])}" : "<unset>"),
        Age);

    public static ITableConvertor ValidatingAdmissionPolicyBinding { get; } = new ColumnTable(
        Text("PolicyName", "The name of the policy bound.", "spec", "policyName"),
        (CommonColumns.Text("ParamRef", "The parameter resource of the binding."), (o, _) => At(o, "spec", "paramRef") is JsonObject p ? $"{Str(p["namespace"])}/{Str(p["name"])}".TrimStart('/') : "<unset>"),
        Age);

    public static ITableConvertor CsiDriver { get; } = new ColumnTable(
        Bool("AttachRequired", "Whether the driver needs an attach operation.", true, "spec", "attachRequired"),
        Bool("PodInfoOnMount", "Whether the driver gets pod information on mount.", false, "spec", "podInfoOnMount"),
        Bool("StorageCapacity", "Whether the driver reports storage capacity.", false, "spec", "storageCapacity"),
        (CommonColumns.Text("TokenRequests", "The audiences of the tokens the driver receives."), (o, _) => Objects(At(o, "spec", "tokenRequests")).Select(t => Str(t["audience"]) ?? "").DefaultIfEmpty("<unset>").Aggregate((a, b) => $"{a},{b}")),
        Bool("RequiresRepublish", "Whether the driver wants NodePublishVolume called periodically.", false, "spec", "requiresRepublish"),
        (CommonColumns.Text("Modes", "The volume lifecycle modes the driver supports."), (o, _) => At(o, "spec", "volumeLifecycleModes") is JsonArray a && a.Count > 0 ? string.Join(",", a.Select(m => Str(m))) : "<none>"),
        Age);

    public static ITableConvertor CsiNode { get; } = new ColumnTable(Count("Drivers", "The number of CSI drivers on the node.", "spec", "drivers"), Age);

    public static ITableConvertor VolumeAttachment { get; } = new ColumnTable(
        Text("Attacher", "The name of the volume driver that must handle this request.", "spec", "attacher"),
        Text("PV", "The name of the persistent volume to attach.", "spec", "source", "persistentVolumeName"),
        Text("Node", "The node the volume is attached to.", "spec", "nodeName"),
        Bool("Attached", "Whether the attach operation completed.", false, "status", "attached"),
        Age);

    public static ITableConvertor CsiStorageCapacity { get; } = new ColumnTable(
        Text("StorageClassName", "The StorageClass the capacity applies to.", "storageClassName"),
        (CommonColumns.Text("Capacity", "The capacity reported by the driver."), (o, _) => Quantity(At(o, "capacity"), "<unset>")));

    public static ITableConvertor CertificateSigningRequest { get; } = new ColumnTable(
        Age,
        Text("SignerName", "The signer the request is for.", "spec", "signerName"),
        Text("Requestor", "The user who created the request.", "spec", "username"),
        (CommonColumns.Text("RequestedDuration", "The validity the requester asked for."), (o, _) => Long(At(o, "spec", "expirationSeconds")) is { } s ? HumanDuration.Format(TimeSpan.FromSeconds(s)) : "<none>"),
        (CommonColumns.Text("Condition", "Approved, Denied, Issued or Failed."), (o, _) => CsrCondition(o)));

    public static ITableConvertor ApiService { get; } = new ColumnTable(
        (CommonColumns.Text("Service", "The service that serves the group/version."), (o, _) => At(o, "spec", "service") is JsonObject s ? $"{Str(s["namespace"])}/{Str(s["name"])}" : "Local"),
        (CommonColumns.Text("Available", "Whether the group/version is available."), (o, _) => Available(o)),
        Age);

    public static ITableConvertor ServiceCidr { get; } = new ColumnTable(
        (CommonColumns.Text("CIDRs", "The CIDRs of the range."), (o, _) => At(o, "spec", "cidrs") is JsonArray a ? string.Join(",", a.Select(c => Str(c))) : "<none>"),
        Age);

    public static ITableConvertor IpAddress { get; } = new ColumnTable(
        (CommonColumns.Text("ParentRef", "The object the address is allocated to."), (o, _) => At(o, "spec", "parentRef") is JsonObject p ? $"{Str(p["resource"])}/{Str(p["namespace"])}/{Str(p["name"])}" : "<none>"));

    private static string Limited(JsonObject o, string key) => Long(At(o, "spec", "limited", key)) is { } n ? Int(n) : "";

    private static string Queuing(JsonObject o, string key) => Long(At(o, "spec", "limited", "limitResponse", "queuing", key)) is { } n ? Int(n) : "";

    private static string CsrCondition(JsonObject o)
    {
        var types = Objects(At(o, "status", "conditions")).Select(c => Str(c["type"])).ToHashSet();
        var text = types.Contains("Denied") ? "Denied" : types.Contains("Approved") ? "Approved" : "Pending";
        if (types.Contains("Failed"))
        {
            text += ",Failed";
        }

        if (Str(At(o, "status", "certificate")) is { Length: > 0 })
        {
            text += ",Issued";
        }

        return text;
    }

    private static string Available(JsonObject o)
    {
        var condition = Objects(At(o, "status", "conditions")).FirstOrDefault(c => Str(c["type"]) == "Available");
        return condition is null ? "Unknown" : Str(condition["status"]) == "True" ? "True" : $"False ({Str(condition["reason"])})";
    }
}
