using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// core/v1 persistentvolumeclaims: NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS
/// VOLUMEATTRIBUTESCLASS AGE | VOLUMEMODE. Capacity and modes show only once the claim is bound.
/// </summary>
internal sealed class PersistentVolumeClaimTable : ITableConvertor
{
    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Status", "phase represents the current phase of PersistentVolumeClaim."),
        CommonColumns.Text("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        CommonColumns.Text("Capacity", "capacity represents the actual resources of the underlying volume."),
        CommonColumns.Text("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
        CommonColumns.Text("StorageClass", "StorageClass of the pvc"),
        CommonColumns.Text("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
        CommonColumns.Age,
        CommonColumns.Wide("VolumeMode", "volumeMode defines what type of volume is required by the claim."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var status = At(obj, "status");
        var volume = Str(At(spec, "volumeName")) ?? "";
        var bound = volume.Length > 0;
        return
        [
            Name(obj),
            IsDeleting(obj) ? "Terminating" : Str(At(status, "phase")) ?? "",
            volume,
            bound ? Quantity(At(status, "capacity", "storage"), "0") : "",
            bound ? PersistentVolumeTable.AccessModes(At(status, "accessModes")) : "",
            Str(At(obj, "metadata", "annotations", PersistentVolumeTable.StorageClassAnnotation)) ?? Str(At(spec, "storageClassName")) ?? "",
            Str(At(spec, "volumeAttributesClassName")) ?? "<unset>",
            Age(obj, now),
            Str(At(spec, "volumeMode")) ?? "<unset>",
        ];
    }
}
