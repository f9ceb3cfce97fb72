using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>storage.k8s.io/v1 storageclasses: NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE.</summary>
internal sealed class StorageClassTable : ITableConvertor
{
    private const string DefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    private const string BetaDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Provisioner", "provisioner indicates the type of the provisioner."),
        CommonColumns.Text("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
        CommonColumns.Text("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used."),
        CommonColumns.Text("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var annotations = At(obj, "metadata", "annotations");
        var isDefault = Str(At(annotations, DefaultAnnotation)) == "true" || Str(At(annotations, BetaDefaultAnnotation)) == "true";
        return
        [
            isDefault ? Name(obj) + " (default)" : Name(obj),
            Str(obj["provisioner"]) ?? "",
            Str(obj["reclaimPolicy"]) ?? "Delete",
            Str(obj["volumeBindingMode"]) ?? "Immediate",
            Bool(obj["allowVolumeExpansion"]) ?? false,
            Age(obj, now),
        ];
    }
}
