using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>apiextensions.k8s.io/v1 CRD validation: each bad CRD is a 422 with upstream's field path and message, and nothing is stored.</summary>
public sealed class CustomResourceDefinitionValidationTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    public static TheoryData<string, string> BadCrds => new()
    {
        { "name", "metadata.name: Invalid value: \"wrong.bad.example.com\": must be spec.names.plural+\".\"+spec.group" },
        { "group-no-dot", "spec.group: Invalid value: \"example\": should be a domain with at least one dot" },
        { "scope", "spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"" },
        { "no-scope", "spec.scope: Required value" },
        { "two-storage", "spec.versions: Invalid value: must have exactly one version marked as storage version" },
        { "no-versions", "spec.versions: Invalid value: must have exactly one version marked as storage version" },
        { "duplicate-versions", "spec.versions: Invalid value: must contain unique version names" },
        { "version-name", "spec.versions[0].name: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-'" },
        { "no-schema", "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required" },
        { "root-type", "spec.versions[0].schema.openAPIV3Schema.type: Invalid value: \"string\": must be object at the root" },
        { "root-no-type", "spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root" },
        { "kind", "spec.names.kind: Invalid value: \"Bad_Kind\": may have mixed case, but should otherwise match: a DNS-1035 label" },
        { "list-kind-same", "spec.names.listKind: Invalid value: \"Bad\": kind and listKind may not be the same" },
        { "short-name", "spec.names.shortNames[0]: Invalid value: \"B.D\": a DNS-1035 label" },
        { "no-plural", "spec.names.plural: Required value" },
        { "conversion", "spec.conversion.strategy: Unsupported value: \"Magic\": supported values: \"None\", \"Webhook\"" },
        { "webhook-no-config", "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook" },
        { "protected-group", "metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation \"api-approved.kubernetes.io\", see https://github.com/kubernetes/enhancements/pull/1111" },
        { "protected-group-bad-annotation", "metadata.annotations[api-approved.kubernetes.io]: Invalid value: \"maybe\": protected groups must have approval annotation \"api-approved.kubernetes.io\" with either a URL or a reason starting with \"unapproved\"" },
        { "column-type", "spec.versions[0].additionalPrinterColumns[0].type: Invalid value: \"text\": must be one of boolean,date,integer,number,string" },
        { "column-path", "spec.versions[0].additionalPrinterColumns[0].jsonPath: Required value" },
        { "scale-path", "spec.versions[0].subresources.scale.specReplicasPath: Invalid value: \".status.replicas\": should be a json path under .spec" },
        { "preserve-unknown", "spec.preserveUnknownFields: Invalid value: true" },
    };

    [Theory]
    [MemberData(nameof(BadCrds))]
    public async Task Create_BadCrd_Returns422WithUpstreamMessageAndStoresNothing(string mutation, string message)
    {
        var crd = Crds.Crd("bad.example.com", "bads", "Bad");
        Mutate(crd, mutation);
        var name = crd["metadata"]!["name"]!.GetValue<string>();

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Crds.Path, crd));

        ApiAssert.Failure(response, 422, "Invalid", message);
        Assert.StartsWith("CustomResourceDefinition.apiextensions.k8s.io", response.Message, StringComparison.Ordinal);
        ApiAssert.Code(404, await fx.Client.GetAsync($"{Crds.Path}/{name}"));
    }

    [Fact]
    public async Task Create_ProtectedGroupWithApprovalUrl_IsAccepted()
    {
        var crd = Crds.Crd("things.k8s.io", "gizmos", "Gizmo");
        crd["metadata"]!["annotations"] = new JsonObject { ["api-approved.kubernetes.io"] = "https://github.com/kubernetes/enhancements/pull/1111" };

        var created = await fx.Client.PostAsync(Crds.Path, crd);

        ApiAssert.Code(201, created);
    }

    [Fact]
    public async Task Create_DefaultsListKindSingularConversionAndStoredVersions()
    {
        var crd = Crds.Crd("defaults.example.com", "dees", "Dee");
        var names = (JsonObject)crd["spec"]!["names"]!;
        names.Remove("singular");
        names.Remove("listKind");

        var created = await fx.Client.PostAsync(Crds.Path, crd);

        ApiAssert.Code(201, created);
        Assert.Equal("dee", created.Object["spec"]!["names"]!["singular"]!.GetValue<string>());
        Assert.Equal("DeeList", created.Object["spec"]!["names"]!["listKind"]!.GetValue<string>());
        Assert.Equal("None", created.Object["spec"]!["conversion"]!["strategy"]!.GetValue<string>());
        Assert.Equal("[\"v1\"]", created.Object["status"]!["storedVersions"]!.ToJsonString());
        Assert.Equal(1, (int?)created.Object["metadata"]!["generation"]);
    }

    [Fact]
    public async Task Update_GroupChanged_Returns422Immutable()
    {
        var crd = await Crds.EstablishAsync(fx.Client, Crds.Crd("immutable.example.com", "rocks", "Rock"));
        crd["spec"]!["scope"] = "Cluster";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"{Crds.Path}/rocks.immutable.example.com", crd));

        ApiAssert.Failure(response, 422, "Invalid", "spec.scope: Invalid value: \"Cluster\": field is immutable");
    }

    private static void Mutate(JsonObject crd, string mutation)
    {
        var spec = (JsonObject)crd["spec"]!;
        var names = (JsonObject)spec["names"]!;
        var version = (JsonObject)((JsonArray)spec["versions"]!)[0]!;
        switch (mutation)
        {
            case "name":
                crd["metadata"]!["name"] = "wrong.bad.example.com";
                break;
            case "group-no-dot":
                spec["group"] = "example";
                crd["metadata"]!["name"] = "bads.example";
                break;
            case "scope":
                spec["scope"] = "Global";
                break;
            case "no-scope":
                spec.Remove("scope");
                break;
            case "two-storage":
                ((JsonArray)spec["versions"]!).Add(Crds.Version("v2", storage: true));
                break;
            case "no-versions":
                spec["versions"] = new JsonArray();
                break;
            case "duplicate-versions":
                ((JsonArray)spec["versions"]!).Add(Crds.Version("v1", storage: false));
                break;
            case "version-name":
                version["name"] = "V1";
                break;
            case "no-schema":
                version.Remove("schema");
                break;
            case "root-type":
                version["schema"]!["openAPIV3Schema"]!["type"] = "string";
                break;
            case "root-no-type":
                ((JsonObject)version["schema"]!["openAPIV3Schema"]!).Remove("type");
                break;
            case "kind":
                names["kind"] = "Bad_Kind";
                break;
            case "list-kind-same":
                names["listKind"] = "Bad";
                break;
            case "short-name":
                names["shortNames"] = new JsonArray("B.D");
                break;
            case "no-plural":
                names.Remove("plural");
                crd["metadata"]!["name"] = ".bad.example.com";
                crd["metadata"]!["name"] = "x.bad.example.com";
                break;
            case "conversion":
                spec["conversion"] = new JsonObject { ["strategy"] = "Magic" };
                break;
            case "webhook-no-config":
                spec["conversion"] = new JsonObject { ["strategy"] = "Webhook" };
                break;
            case "protected-group":
                spec["group"] = "bad.k8s.io";
                crd["metadata"]!["name"] = "bads.bad.k8s.io";
                break;
            case "protected-group-bad-annotation":
                spec["group"] = "bad.k8s.io";
                crd["metadata"]!["name"] = "bads.bad.k8s.io";
                crd["metadata"]!["annotations"] = new JsonObject { ["api-approved.kubernetes.io"] = "maybe" };
                break;
            case "column-type":
                version["additionalPrinterColumns"]![0]!["type"] = "text";
                break;
            case "column-path":
                ((JsonObject)version["additionalPrinterColumns"]![0]!).Remove("jsonPath");
                break;
            case "scale-path":
                version["subresources"]!["scale"]!["specReplicasPath"] = ".status.replicas";
                break;
            case "preserve-unknown":
                spec["preserveUnknownFields"] = true;
                break;
            default:
                throw new ArgumentException(mutation);
        }
    }
}
