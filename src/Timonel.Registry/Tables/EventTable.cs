using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// Events of core/v1 and events.k8s.io/v1 (upstream prints both through one printer after
/// converting): LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
/// </summary>
internal sealed class EventTable : ITableConvertor
{
    private readonly EventFields _fields;

    private EventTable(EventFields fields) => _fields = fields;

    /// <summary>core/v1 Event field names.</summary>
    public static EventTable Core { get; } = new(new("involvedObject", "message", "source", "reportingComponent", "firstTimestamp", "lastTimestamp", "count"));

    /// <summary>events.k8s.io/v1 Event field names.</summary>
    public static EventTable EventsV1 { get; } = new(new("regarding", "note", "deprecatedSource", "reportingController", "deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount"));

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Text("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
        CommonColumns.Text("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
        CommonColumns.Text("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        CommonColumns.Text("Object", "The object that this event is about."),
        CommonColumns.Wide("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]."),
        CommonColumns.Wide("Source", "The component reporting this event. Should be a short machine understandable string."),
        CommonColumns.Text("Message", "A human-readable description of the status of this operation."),
        CommonColumns.Wide("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
        CommonColumns.Wide("Count", "The number of times this event has occurred."),
        new("Name", "string", "name", CommonColumns.NameDescription, 1),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var firstTime = Time(obj[_fields.FirstTimestamp]) ?? Time(obj["eventTime"]);
        var firstSeen = HumanDuration.Since(firstTime, now);
        var lastSeen = Time(obj[_fields.LastTimestamp]) is { } last ? HumanDuration.Format(now - last) : firstSeen;
        var count = Long(obj[_fields.Count]) ?? 0;
        if (obj["series"] is JsonObject series)
        {
            lastSeen = HumanDuration.Since(Time(series["lastObservedTime"]), now);
            count = Long(series["count"]) ?? 0;
        }
        else if (count == 0)
        {
            // Singleton events of the new API carry no count.
            count = 1;
        }

        var regarding = obj[_fields.Regarding];
        var kind = (Str(At(regarding, "kind")) ?? "").ToLowerInvariant();
        var target = Str(At(regarding, "name")) is { Length: > 0 } name ? $"{kind}/{name}" : kind;
        return
        [
            lastSeen,
            Str(obj["type"]) ?? "",
            Str(obj["reason"]) ?? "",
            target,
            Str(At(regarding, "fieldPath")) ?? "",
            Source(obj),
            (Str(obj[_fields.Message]) ?? "").Trim(),
            firstSeen,
            count,
            Name(obj),
        ];
    }

    private string Source(JsonObject obj)
    {
        var source = obj[_fields.Source];
        var component = Str(At(source, "component"), Str(obj[_fields.ReportingController]) ?? "");
        var instance = Str(At(source, "host"), Str(obj["reportingInstance"]) ?? "");
        return instance.Length == 0 ? component : $"{component}, {instance}";
    }

    private sealed record EventFields(
        string Regarding, string Message, string Source, string ReportingController, string FirstTimestamp, string LastTimestamp, string Count);
}
