using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Secrets: stringData folded into data (as upstream's conversion does), type Opaque by default,
/// base64 values with valid keys at most 1 MiB in all, the keys each built-in type requires,
/// type fixed after creation, optionally immutable.
/// </summary>
public sealed class SecretStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        FoldStringData(obj);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        FoldStringData(obj);
    }

    /// <summary>stringData is write-only: each entry replaces data's entry of the same key, base64-encoded.</summary>
    private static void FoldStringData(JsonObject obj)
    {
        if (obj.Obj("stringData") is not { } stringData)
        {
            return;
        }
        var data = obj.Ensure("data");
        foreach (var (key, value) in stringData.StringMap())
        {
            data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        }
        obj.Remove("stringData");
    }

    public override void ApplyDefaults(JsonObject obj) => obj.DefaultString("type", "Opaque");

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var data = obj.Obj("data");
        DataKeyValidation.ValidateKeys(data, "data", errs);
        var sizes = new Dictionary<string, int>();
        long total = 0;
        foreach (var (key, node) in data ?? [])
        {
            if (!Base64.TryDecodedLength(JsonAccess.AsString(node) ?? "", out var length))
            {
                // The value is secret: the error does not echo it.
                errs.Add(FieldError.Invalid($"data[{key}]", null, "must be valid base64 data"));
            }
            sizes[key] = length;
            total += length;
        }
        DataKeyValidation.ValidateTotalSize(total, "data", errs);
        ValidateType(obj, sizes, errs);
    }

    private static void ValidateType(JsonObject obj, Dictionary<string, int> data, List<FieldError> errs)
    {
        void RequireKey(string key)
        {
            if (!data.ContainsKey(key))
            {
                errs.Add(FieldError.Required($"data[{key}]", ""));
            }
        }
        switch (obj.Str("type"))
        {
            case "kubernetes.io/service-account-token":
                if (string.IsNullOrEmpty(obj.Obj("metadata").Obj("annotations").Str("kubernetes.io/service-account.name")))
                {
                    errs.Add(FieldError.Required("metadata.annotations[kubernetes.io/service-account.name]", ""));
                }
                break;
            case "kubernetes.io/dockercfg":
                RequireKey(".dockercfg");
                break;
            case "kubernetes.io/dockerconfigjson":
                RequireKey(".dockerconfigjson");
                break;
            case "kubernetes.io/basic-auth":
                if (!data.ContainsKey("username") && !data.ContainsKey("password"))
                {
                    errs.Add(FieldError.Required("data[username]", ""));
                    errs.Add(FieldError.Required("data[password]", ""));
                }
                break;
            case "kubernetes.io/ssh-auth":
                RequireKey("ssh-privatekey");
                break;
            case "kubernetes.io/tls":
                RequireKey("tls.crt");
                RequireKey("tls.key");
                break;
            default:
                break;
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        FieldChecks.Immutable(obj["type"], old["type"], "type", errs);
        DataKeyValidation.ValidateImmutable(obj, old, ["data"], errs);
    }
}
