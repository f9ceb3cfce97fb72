using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// ClusterIP claims as networking.k8s.io/v1 IPAddress objects, as upstream's allocator writes
/// them: named by the address, labelled with its family and manager, pointing at the Service.
/// Creating the object is the claim; deleting it is the release.
/// </summary>
internal sealed class IpAddressClaims(TimeProvider time, ObjectStore? objects = null) : IClaimCodec
{
    public const string FamilyLabel = "ipaddress.kubernetes.io/ip-family";
    public const string ManagedByLabel = "ipaddress.kubernetes.io/managed-by";
    public const string Manager = "ipallocator.k8s.io";

    private readonly UidGenerator _uids = new();

    public byte[] Encode(string name, string owner)
    {
        var slash = owner.IndexOf('/', StringComparison.Ordinal);
        return ObjectStore.Encode(new JsonObject
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "IPAddress",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["uid"] = _uids.Next(),
                ["creationTimestamp"] = ObjectMetaAccess.Timestamp(time.GetUtcNow()),
                ["labels"] = new JsonObject { [FamilyLabel] = name.Contains(':', StringComparison.Ordinal) ? "IPv6" : "IPv4", [ManagedByLabel] = Manager },
            },
            ["spec"] = new JsonObject
            {
                ["parentRef"] = new JsonObject { ["group"] = "", ["resource"] = "services", ["namespace"] = owner[..Math.Max(slash, 0)], ["name"] = owner[(slash + 1)..] },
            },
        });
    }

    public string OwnerOf(KeyValue claim)
    {
        var parent = Parse(claim)?["spec"]?["parentRef"] as JsonObject;
        var (group, resource, ns, name) = (JsonAccess.AsString(parent?["group"]) ?? "", JsonAccess.AsString(parent?["resource"]) ?? "", JsonAccess.AsString(parent?["namespace"]) ?? "", JsonAccess.AsString(parent?["name"]) ?? "");
        // A Service's owner is "namespace/name"; anything else gets a form no Service can have.
        return group == "" && resource == "services" ? $"{ns}/{name}" : $"{group}:{resource}:{ns}/{name}";
    }

    public bool IsManaged(KeyValue claim) => JsonAccess.AsString(Parse(claim)?["metadata"]?["labels"]?[ManagedByLabel]) == Manager;

    public void Written(string key, long revision) => objects?.Written(key, revision);

    private static JsonObject? Parse(KeyValue claim)
    {
        try
        {
            return JsonNode.Parse(claim.Value.Span) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not an object this server wrote: nobody's, never freed.
            return null;
        }
    }
}
