using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>batch/v1 jobs: NAME STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR.</summary>
internal sealed class JobTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Status", "Status of the job."),
        CommonColumns.Text("Completions", "The number of pods which reached phase Succeeded."),
        CommonColumns.Text("Duration", "Time required to complete the job."),
        CommonColumns.Age,
        CommonColumns.Containers,
        CommonColumns.Images,
        CommonColumns.Wide("Selector", "A label query over pods that should match the pod count."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var status = At(obj, "status");
        var succeeded = Long(At(status, "succeeded")) ?? 0;
        string completions;
        if (Long(At(spec, "completions")) is { } wanted)
        {
            completions = $"{succeeded}/{wanted}";
        }
        else
        {
            var parallelism = Long(At(spec, "parallelism")) ?? 0;
            completions = parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
        }

        var duration = "";
        if (Time(At(status, "startTime")) is { } start)
        {
            duration = HumanDuration.Format((Time(At(status, "completionTime")) ?? now) - start);
        }

        var (names, images) = Containers(At(spec, "template", "spec"));
        return [Name(obj), Status(obj, status), completions, duration, Age(obj, now), names, images, FormatSelector(At(spec, "selector"))];
    }

    private static string Status(JsonObject job, JsonNode? status)
    {
        var conditions = Objects(At(status, "conditions")).ToList();

        // The first condition of a type decides, as upstream's hasJobCondition does.
        bool Has(string type) =>
            conditions.FirstOrDefault(c => Str(c["type"]) == type) is { } c && Str(c["status"]) == "True";

        if (Has("Complete"))
        {
            return "Complete";
        }

        if (Has("Failed"))
        {
            return "Failed";
        }

        if (IsDeleting(job))
        {
            return "Terminating";
        }

        if (Has("Suspended"))
        {
            return "Suspended";
        }

        return Has("FailureTarget") ? "FailureTarget" : "Running";
    }
}
