using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>core/v1 podtemplates: NAME CONTAINERS IMAGES POD LABELS (upstream's printPodTemplate has no AGE).</summary>
internal sealed class PodTemplateTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Containers", "Names of each container in the template."),
        CommonColumns.Text("Images", "Images referenced by each container in the template."),
        CommonColumns.Text("Pod Labels", "The labels for the pod template."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var (names, images) = Containers(At(obj, "template", "spec"));
        return [Name(obj), names, images, FormatLabels(At(obj, "template", "metadata", "labels"))];
    }
}
