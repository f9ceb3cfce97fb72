using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// Structural schemas through the HTTP surface: each schema construct refuses a bad object with a
/// 422 naming the field (nothing stored), unknown fields are pruned (warned, or refused with
/// fieldValidation=Strict), defaults show on GET, and a non-structural CRD is refused.
/// </summary>
public sealed class CustomResourceSchemaTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Group = "schema.example.com";
    private const string Items = "/apis/schema.example.com/v1/namespaces/default/gadgets";

    private const string SchemaJson = """
        {
          "type": "object",
          "properties": {
            "spec": {
              "type": "object",
              "required": ["name"],
              "properties": {
                "name": { "type": "string", "minLength": 2, "maxLength": 8, "pattern": "^[a-z]+$" },
                "replicas": { "type": "integer", "format": "int32", "minimum": 0, "maximum": 10 },
                "ratio": { "type": "number", "minimum": 0, "maximum": 1, "exclusiveMaximum": true },
                "mode": { "type": "string", "enum": ["a", "b"], "default": "a" },
                "size": { "x-kubernetes-int-or-string": true },
                "when": { "type": "string", "format": "date-time" },
                "day": { "type": "string", "format": "date" },
                "timeout": { "type": "string", "format": "duration" },
                "id": { "type": "string", "format": "uuid" },
                "data": { "type": "string", "format": "byte" },
                "note": { "type": "string", "nullable": true },
                "enabled": { "type": "boolean" },
                "tags": { "type": "array", "items": { "type": "string" }, "minItems": 1, "maxItems": 3, "x-kubernetes-list-type": "set" },
                "ports": {
                  "type": "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["name"],
                  "items": { "type": "object", "required": ["name"], "properties": { "name": { "type": "string" }, "port": { "type": "integer", "default": 80 } } }
                },
                "labels": { "type": "object", "additionalProperties": { "type": "string" }, "maxProperties": 2, "x-kubernetes-map-type": "granular" },
                "extra": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                "template": { "type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true }
              }
            },
            "status": { "type": "object", "properties": { "phase": { "type": "string", "enum": ["Ready", "Failed"] } } }
          }
        }
        """;

    public static TheoryData<string, string> BadSpecs => new()
    {
        { """{"name":"ok","replicas":"two"}""", "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"" },
        { """{"replicas":1}""", "spec.name: Required value" },
        { """{"name":"ok","mode":"x"}""", "spec.mode: Unsupported value: \"x\": supported values: \"a\", \"b\"" },
        { """{"name":"OK"}""", "spec.name: Invalid value: \"OK\": spec.name in body should match '^[a-z]+$'" },
        { """{"name":"a"}""", "spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long" },
        { """{"name":"abcdefghij"}""", "spec.name: Too long: must have at most 8 bytes" },
        { """{"name":"ok","replicas":11}""", "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10" },
        { """{"name":"ok","replicas":-1}""", "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0" },
        { """{"name":"ok","replicas":3000000000}""", "spec.replicas in body must be of type int32" },
        { """{"name":"ok","ratio":1}""", "spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1" },
        { """{"name":"ok","size":true}""", "spec.size: Invalid value: \"boolean\": spec.size in body must be of type integer,string: \"boolean\"" },
        { """{"name":"ok","when":"yesterday"}""", "spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"" },
        { """{"name":"ok","day":"2024-13-01"}""", "spec.day in body must be of type date" },
        { """{"name":"ok","timeout":"5 minutes"}""", "spec.timeout in body must be of type duration" },
        { """{"name":"ok","id":"not-a-uuid"}""", "spec.id in body must be of type uuid" },
        { """{"name":"ok","data":"%%%"}""", "spec.data in body must be of type byte" },
        { """{"name":"ok","enabled":"yes"}""", "spec.enabled: Invalid value: \"string\": spec.enabled in body must be of type boolean: \"string\"" },
        { """{"name":"ok","tags":[]}""", "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items" },
        { """{"name":"ok","tags":["a","b","c","d"]}""", "spec.tags: Too many: 4: must have at most 3 items" },
        { """{"name":"ok","tags":["a","a"]}""", "spec.tags[1]: Duplicate value: \"a\"" },
        { """{"name":"ok","ports":[{"name":"x"},{"name":"x","port":2}]}""", "spec.ports[1]: Duplicate value: map[string]interface {}{\"name\":\"x\"}" },
        { """{"name":"ok","ports":[{"port":2}]}""", "spec.ports[0].name: Required value" },
        { """{"name":"ok","labels":{"a":"1","b":"2","c":"3"}}""", "spec.labels: Invalid value: 3: spec.labels in body should have at most 2 properties" },
        { """{"name":"ok","labels":{"a":1}}""", "spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: \"integer\"" },
        { """{"name":"ok","template":{"kind":"Pod"}}""", "spec.template.apiVersion: Required value: must not be empty" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Create_ObjectViolatingSchema_Returns422NamingFieldAndStoresNothing(string spec, string message)
    {
        await EnsureCrdAsync();
        var obj = Gadget("bad", JsonNode.Parse(spec)!);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Items, obj));

        ApiAssert.Failure(response, 422, "Invalid", message);
        Assert.StartsWith("Gadget.schema.example.com \"bad\" is invalid", response.Message, StringComparison.Ordinal);
        ApiAssert.Code(404, await fx.Client.GetAsync($"{Items}/bad"));
    }

    [Fact]
    public async Task Create_ValidObjectWithEveryConstruct_IsAccepted()
    {
        await EnsureCrdAsync();
        var spec = JsonNode.Parse("""
            {"name":"ok","replicas":3,"ratio":0.5,"mode":"b","size":"50%","when":"2024-01-02T03:04:05Z","day":"2024-02-29",
             "timeout":"1h30m","id":"123e4567-e89b-12d3-a456-426614174000","data":"aGVsbG8=","note":null,"enabled":true,
             "tags":["a","b"],"ports":[{"name":"http","port":8080},{"name":"https"}],"labels":{"a":"1"},
             "extra":{"anything":{"goes":1}},"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}}
            """)!;

        var created = await fx.Client.PostAsync(Items, Gadget("valid", spec));

        ApiAssert.Code(201, created);
        Assert.Equal(1, (int?)created.Object["spec"]!["extra"]!["anything"]!["goes"]);
        Assert.Equal(80, (int?)created.Object["spec"]!["ports"]![1]!["port"]);
    }

    [Fact]
    public async Task Create_UnknownFields_ArePrunedWithWarning()
    {
        await EnsureCrdAsync();
        var obj = Gadget("pruned", JsonNode.Parse("""{"name":"ok","foo":1,"ports":[{"name":"a","bar":true}],"extra":{"kept":true}}""")!);
        obj["top"] = "x";

        var created = await fx.Client.PostAsync(Items, obj);

        ApiAssert.Code(201, created);
        var warnings = string.Join("\n", created.Headers.TryGetValues("Warning", out var w) ? w : []);
        Assert.Contains("unknown field \\\"spec.foo\\\"", warnings, StringComparison.Ordinal);
        Assert.Contains("unknown field \\\"spec.ports[0].bar\\\"", warnings, StringComparison.Ordinal);
        Assert.Contains("unknown field \\\"top\\\"", warnings, StringComparison.Ordinal);
        var got = (await fx.Client.GetAsync($"{Items}/pruned")).Object;
        Assert.Null(got["spec"]!["foo"]);
        Assert.Null(got["top"]);
        Assert.Null(got["spec"]!["ports"]![0]!["bar"]);
        Assert.Equal(true, (bool?)got["spec"]!["extra"]!["kept"]);
    }

    [Fact]
    public async Task Create_UnknownFieldWithStrictValidation_Returns400AndStoresNothing()
    {
        await EnsureCrdAsync();
        var obj = Gadget("strict", JsonNode.Parse("""{"name":"ok","foo":1}""")!);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Items + "?fieldValidation=Strict", obj));

        ApiAssert.Failure(response, 400, "BadRequest", "strict decoding error: unknown field \"spec.foo\"");
        ApiAssert.Code(404, await fx.Client.GetAsync($"{Items}/strict"));
    }

    [Fact]
    public async Task Create_MissingOrNullDefaultedFields_GetDefaults()
    {
        await EnsureCrdAsync();
        var obj = Gadget("defaulted", JsonNode.Parse("""{"name":"ok","ports":[{"name":"a"}],"enabled":null}""")!);

        var created = await fx.Client.PostAsync(Items, obj);

        ApiAssert.Code(201, created);
        var got = (await fx.Client.GetAsync($"{Items}/defaulted")).Object;
        Assert.Equal("a", (string?)got["spec"]!["mode"]);
        Assert.Equal(80, (int?)got["spec"]!["ports"]![0]!["port"]);
        Assert.False(((JsonObject)got["spec"]!).ContainsKey("enabled"));
    }

    [Fact]
    public async Task UpdateAndPatch_ObjectViolatingSchema_Returns422AndKeepsStoredObject()
    {
        await EnsureCrdAsync();
        var created = await fx.Client.PostAsync(Items, Gadget("updated", JsonNode.Parse("""{"name":"ok","replicas":1}""")!));
        ApiAssert.Code(201, created);
        var obj = created.Object;
        obj["spec"]!["replicas"] = "many";

        var put = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"{Items}/updated", obj));
        var patch = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{Items}/updated", """{"spec":{"mode":"z"}}""", ApiClient.MergePatch));
        var status = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{Items}/updated/status", """{"status":{"phase":"Gone"}}""", ApiClient.MergePatch));

        ApiAssert.Failure(put, 422, "Invalid", "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"");
        ApiAssert.Failure(patch, 422, "Invalid", "spec.mode: Unsupported value: \"z\": supported values: \"a\", \"b\"");
        ApiAssert.Failure(status, 422, "Invalid", "status.phase: Unsupported value: \"Gone\"");
        Assert.Equal(1, (int?)(await fx.Client.GetAsync($"{Items}/updated")).Object["spec"]!["replicas"]);
    }

    public static TheoryData<string, string> NonStructural => new()
    {
        { """{"type":"object","properties":{"spec":{"properties":{"a":{"type":"string"}}}}}""", "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields" },
        { """{"type":"object","properties":{"spec":{"type":"array","items":{"properties":{}}}}}""", "spec.versions[0].schema.openAPIV3Schema.properties[spec].items.type: Required value: must not be empty for specified array items" },
        { """{"type":"object","properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object"}}}}}""", "spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified" },
        { """{"type":"object","properties":{"spec":{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"string"}}}}""", "properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive" },
        { """{"type":"object","properties":{"spec":{"type":"array","uniqueItems":true,"items":{"type":"string"}}}}""", "properties[spec].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic" },
        { """{"type":"object","properties":{"spec":{"type":"widget"}}}""", "properties[spec].type: Unsupported value: \"widget\"" },
        { """{"type":"object","properties":{"spec":{"type":"integer","default":"x"}}}""", "properties[spec].default: Invalid value: \"string\"" },
        { """{"type":"object","properties":{"spec":{"type":"object","default":{"b":1},"properties":{"a":{"type":"string"}}}}}""", "must not have unknown fields: \"b\"" },
        { """{"type":"object","properties":{"spec":{"type":"array","x-kubernetes-list-type":"map","items":{"type":"object"}}}}""", "properties[spec].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map" },
        { """{"type":"object","properties":{"spec":{"type":"string","x-kubernetes-int-or-string":true}}}""", "properties[spec].type: Invalid value: \"string\": must be empty if x-kubernetes-int-or-string is true" },
    };

    [Theory]
    [MemberData(nameof(NonStructural))]
    public async Task CreateCrd_NonStructuralSchema_Returns422AndStoresNothing(string schema, string message)
    {
        var crd = Crds.Crd("nonstructural.example.com", "blobs", "Blob");
        crd["spec"]!["versions"]![0]!["schema"] = new JsonObject { ["openAPIV3Schema"] = JsonNode.Parse(schema) };
        ((JsonObject)crd["spec"]!["versions"]![0]!).Remove("subresources");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Crds.Path, crd));

        ApiAssert.Failure(response, 422, "Invalid", message);
        ApiAssert.Code(404, await fx.Client.GetAsync($"{Crds.Path}/blobs.nonstructural.example.com"));
    }

    private static JsonObject Gadget(string name, JsonNode spec) => new()
    {
        ["apiVersion"] = $"{Group}/v1",
        ["kind"] = "Gadget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    private async Task EnsureCrdAsync()
    {
        if ((await fx.Client.GetAsync($"{Crds.Path}/gadgets.{Group}")).Code == 200)
        {
            return;
        }

        var crd = Crds.Crd(Group, "gadgets", "Gadget");
        var version = (JsonObject)crd["spec"]!["versions"]![0]!;
        version["schema"] = new JsonObject { ["openAPIV3Schema"] = JsonNode.Parse(SchemaJson) };
        version["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        version.Remove("additionalPrinterColumns");
        await Crds.EstablishAsync(fx.Client, crd);
        await Eventually.WaitAsync(async _ => (await fx.Client.GetAsync(Items)).Code == 200, TimeSpan.FromSeconds(10), "gadgets served");
    }
}
