using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>batch/v1 cronjobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE | CONTAINERS IMAGES SELECTOR.</summary>
internal sealed class CronJobTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        CommonColumns.Text("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
        new("Suspend", "boolean", "", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false.", 0),
        CommonColumns.Integer("Active", "A list of pointers to currently running jobs."),
        CommonColumns.Text("Last Schedule", "Information when was the last time the job was successfully scheduled."),
        CommonColumns.Age,
        CommonColumns.Containers,
        CommonColumns.Images,
        CommonColumns.Wide("Selector", "A label query over pods that should match the pod count."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var jobSpec = At(spec, "jobTemplate", "spec");
        var lastSchedule = Time(At(obj, "status", "lastScheduleTime")) is { } last ? HumanDuration.Format(now - last) : "<none>";
        var (names, images) = Containers(At(jobSpec, "template", "spec"));
        return
        [
            Name(obj),
            Str(At(spec, "schedule")) ?? "",
            Str(At(spec, "timeZone")) ?? "<none>",
            BoolText(At(spec, "suspend")),
            (long)Count(At(obj, "status", "active")),
            lastSchedule,
            Age(obj, now),
            names,
            images,
            FormatSelector(At(jobSpec, "selector")),
        ];
    }
}
