using System.Text.Json.Nodes;
using k8s.Models;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>
/// The strategic-merge patches upstream's ControllerRefManager sends to adopt an orphan or release
/// an object. Both carry the object's uid, so a patch never lands on a namesake created meanwhile.
/// </summary>
public static class OwnerPatches
{
    public static V1OwnerReference ControllerRef(string apiVersion, string kind, V1ObjectMeta owner) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Name,
        Uid = owner.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static V1Patch Adopt(V1OwnerReference controllerRef, string objectUid)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = controllerRef.ApiVersion,
                    ["kind"] = controllerRef.Kind,
                    ["name"] = controllerRef.Name,
                    ["uid"] = controllerRef.Uid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
                ["uid"] = objectUid,
            },
        };
        return new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch);
    }

    public static V1Patch Release(string ownerUid, string objectUid)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["ownerReferences"] = new JsonArray(new JsonObject { ["$patch"] = "delete", ["uid"] = ownerUid }),
                ["uid"] = objectUid,
            },
        };
        return new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch);
    }
}
