using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// core/v1 persistentvolumes: NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS
/// VOLUMEATTRIBUTESCLASS REASON AGE | VOLUMEMODE.
/// </summary>
internal sealed class PersistentVolumeTable : ITableConvertor
{
    /// <summary>The beta annotation that still overrides spec.storageClassName.</summary>
    internal const string StorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    private static readonly (string Mode, string Short)[] AccessModeOrder =
        [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")];

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
        CommonColumns.Text("Access Modes", "accessModes contains all ways the volume can be mounted."),
        CommonColumns.Text("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
        CommonColumns.Text("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
        CommonColumns.Text("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
        CommonColumns.Text("StorageClass", "StorageClass of the pv"),
        CommonColumns.Text("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
        CommonColumns.Text("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
        CommonColumns.Age,
        CommonColumns.Wide("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."),
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var status = At(obj, "status");
        var claim = At(spec, "claimRef") is JsonObject c ? $"{Str(c["namespace"]) ?? ""}/{Str(c["name"]) ?? ""}" : "";
        var phase = IsDeleting(obj) ? "Terminating" : Str(At(status, "phase")) ?? "";
        return
        [
            Name(obj),
            Quantity(At(spec, "capacity", "storage"), "0"),
            AccessModes(At(spec, "accessModes")),
            Str(At(spec, "persistentVolumeReclaimPolicy")) ?? "",
            phase,
            claim,
            Str(At(obj, "metadata", "annotations", StorageClassAnnotation)) ?? Str(At(spec, "storageClassName")) ?? "",
            Str(At(spec, "volumeAttributesClassName")) ?? "<unset>",
            Str(At(status, "reason")) ?? "",
            Age(obj, now),
            Str(At(spec, "volumeMode")) ?? "<unset>",
        ];
    }

    /// <summary>"RWO,ROX,RWX,RWOP" in that fixed order (helper.GetAccessModesAsString).</summary>
    internal static string AccessModes(JsonNode? modes)
    {
        var present = Strings(modes).ToHashSet(StringComparer.Ordinal);
        return string.Join(",", AccessModeOrder.Where(m => present.Contains(m.Mode)).Select(m => m.Short));
    }
}
