using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>A pod's volumes: unique DNS-1123 label names, exactly one source each, the source's required fields.</summary>
public static class VolumeValidation
{
    /// <summary>Every volume source a v1 Volume may carry.</summary>
    public static readonly IReadOnlyList<string> SourceKeys =
    [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
        "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ];

    private static readonly string[] HostPathTypes = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"];

    /// <summary>Validates spec.volumes and returns the names declared (for volumeMounts to refer to).</summary>
    public static HashSet<string> Validate(JsonArray? volumes, string path, List<FieldError> errs)
    {
        var names = new HashSet<string>();
        foreach (var (i, v) in volumes.Objects())
        {
            var at = $"{path}[{i}]";
            var name = v.Str("name") ?? "";
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required($"{at}.name", ""));
            }
            else
            {
                foreach (var msg in NameValidation.IsDns1123Label(name))
                {
                    errs.Add(FieldError.Invalid($"{at}.name", name, msg));
                }
                if (!names.Add(name))
                {
                    errs.Add(FieldError.Duplicate($"{at}.name", name));
                }
            }
            var sources = SourceKeys.Where(v.Has).ToList();
            if (sources.Count == 0)
            {
                errs.Add(FieldError.Required(at, "must specify a volume type"));
            }
            foreach (var extra in sources.Skip(1))
            {
                errs.Add(FieldError.Forbidden($"{at}.{extra}", "may not specify more than 1 volume type"));
            }
            ValidateSource(v, at, errs);
        }
        return names;
    }

    private static void ValidateSource(JsonObject v, string at, List<FieldError> errs)
    {
        Require(v.Obj("configMap"), "name", $"{at}.configMap", errs);
        Require(v.Obj("secret"), "secretName", $"{at}.secret", errs);
        Require(v.Obj("persistentVolumeClaim"), "claimName", $"{at}.persistentVolumeClaim", errs);
        Require(v.Obj("nfs"), "server", $"{at}.nfs", errs);
        Require(v.Obj("nfs"), "path", $"{at}.nfs", errs);
        Require(v.Obj("csi"), "driver", $"{at}.csi", errs);
        if (v.Obj("hostPath") is { } hostPath)
        {
            Require(hostPath, "path", $"{at}.hostPath", errs);
            FieldChecks.OneOf(hostPath, "type", $"{at}.hostPath.type", HostPathTypes, errs);
        }
        if (v.Obj("emptyDir") is { } emptyDir)
        {
            FieldChecks.OneOf(emptyDir, "medium", $"{at}.emptyDir.medium", ["", "Memory", "HugePages"], errs);
            if (emptyDir["sizeLimit"] is { } size)
            {
                if (!Quantity.TryParse(JsonAccess.Scalar(size), out var limit))
                {
                    errs.Add(FieldError.Invalid($"{at}.emptyDir.sizeLimit", FieldChecks.Display(size), Quantity.FormatError));
                }
                else if (limit < 0)
                {
                    // Upstream's validateVolumeSource: a negative limit is Forbidden, with this text.
                    errs.Add(FieldError.Forbidden($"{at}.emptyDir.sizeLimit", "SizeLimit field must be a valid resource quantity"));
                }
            }
        }
        foreach (var key in new[] { "configMap", "secret" })
        {
            foreach (var (j, item) in v.Obj(key).Arr("items").Objects())
            {
                var itemPath = $"{at}.{key}.items[{j}]";
                Require(item, "key", itemPath, errs);
                ValidateRelativePath(item.Str("path"), $"{itemPath}.path", errs, required: true);
            }
            FileMode(v.Obj(key), $"{at}.{key}.defaultMode", errs);
        }
    }

    private static void FileMode(JsonObject? source, string path, List<FieldError> errs)
    {
        if (source.Int("defaultMode") is { } mode && mode is < 0 or > 511)
        {
            errs.Add(FieldError.Invalid(path, mode, "must be a number between 0 and 0777 (octal), both inclusive"));
        }
    }

    private static void Require(JsonObject? source, string key, string path, List<FieldError> errs)
    {
        if (source is not null && string.IsNullOrEmpty(source.Str(key)))
        {
            errs.Add(FieldError.Required($"{path}.{key}", ""));
        }
    }

    /// <summary>Upstream's validateLocalDescendingPath: relative, without '..' segments.</summary>
    public static void ValidateRelativePath(string? value, string path, List<FieldError> errs, bool required = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errs.Add(FieldError.Required(path, ""));
            }
            return;
        }
        if (value.StartsWith('/'))
        {
            errs.Add(FieldError.Invalid(path, value, "must be a relative path"));
        }
        if (value.Split('/').Contains(".."))
        {
            errs.Add(FieldError.Invalid(path, value, "must not contain '..'"));
        }
    }
}
