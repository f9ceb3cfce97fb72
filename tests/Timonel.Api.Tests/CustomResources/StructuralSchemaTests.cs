using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.CustomResources.Schema;
using Xunit;

namespace Timonel.Api.Tests.CustomResources;

/// <summary>Pruning, defaulting, validation and the structural check of CRD schemas, without a server.</summary>
public sealed class StructuralSchemaTests
{
    private static JsonObject Schema(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Prune_UnknownFieldsUnderPreserveAndMaps_KeepsPreservedAndMapValues()
    {
        var schema = new StructuralCustomResourceSchema(Schema("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{
              "keep":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
              "map":{"type":"object","additionalProperties":{"type":"object","properties":{"a":{"type":"string"}}}}}}}}
            """));
        var obj = Schema("""{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","odd":1},"spec":{"keep":{"z":1},"map":{"k":{"a":"1","b":2}},"gone":true},"top":1}""");

        var dropped = schema.Prune(obj);

        Assert.Equal(["spec.map.k.b", "spec.gone", "top"], dropped);
        Assert.Equal("""{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","odd":1},"spec":{"keep":{"z":1},"map":{"k":{"a":"1"}}}}""", obj.ToJsonString());
    }

    [Fact]
    public void ApplyDefaults_AbsentNullAndNullable_FollowsUpstreamRules()
    {
        var schema = new StructuralCustomResourceSchema(Schema("""
            {"type":"object","properties":{"spec":{"type":"object","default":{},"properties":{
              "a":{"type":"string","default":"x"},
              "b":{"type":"string","default":"y"},
              "c":{"type":"string","nullable":true,"default":"z"},
              "d":{"type":"string"}}}}}
            """));
        var obj = Schema("""{"spec":{"b":null,"c":null,"d":null}}""");
        var empty = Schema("""{}""");

        schema.ApplyDefaults(obj);
        schema.ApplyDefaults(empty);

        Assert.Equal("""{"spec":{"b":"y","c":null,"a":"x"}}""", obj.ToJsonString());
        Assert.Equal("""{"spec":{"a":"x","b":"y","c":"z"}}""", empty.ToJsonString());
    }

    [Fact]
    public void Validate_WrongTypeAtDepth_NamesFieldAsUpstream()
    {
        var schema = new StructuralCustomResourceSchema(Schema("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer"}}}}}}}}
            """));

        var errs = schema.Validate(Schema("""{"spec":{"items":[{"n":1},{"n":"2"}]}}"""), null);

        var err = Assert.Single(errs);
        Assert.Equal("spec.items[1].n: Invalid value: \"string\": spec.items[1].n in body must be of type integer: \"string\"", err.ToString());
    }

    [Fact]
    public void Validate_ValidObject_HasNoErrors()
    {
        var schema = new StructuralCustomResourceSchema(Schema("""
            {"type":"object","required":["spec"],"properties":{"spec":{"type":"object","properties":{"n":{"type":"number","multipleOf":0.5}}}}}
            """));

        Assert.Empty(schema.Validate(Schema("""{"apiVersion":"x/v1","kind":"K","metadata":{},"spec":{"n":1.5}}"""), null));
        Assert.Single(schema.Validate(Schema("""{"spec":{"n":1.2}}"""), null));
    }

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"type":"object","properties":{"b":{}}}}}""", "s.properties[a].properties[b].type: Required value: must not be empty for specified object fields")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"object","additionalProperties":false}}}""", "s.properties[a].additionalProperties: Forbidden: additionalProperties cannot be set to false")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"array","items":{"type":"object"},"x-kubernetes-list-type":"set"}}}""", "s.properties[a].items.type: Invalid value: \"object\": must be a scalar type if x-kubernetes-list-type is set")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string","$ref":"#/x"}}}""", "s.properties[a].$ref: Forbidden: $ref is not supported")]
    public void StructuralCheck_NonStructural_ReportsUpstreamMessage(string json, string message)
    {
        var errs = new List<FieldError>();

        StructuralSchemaCheck.Validate(Schema(json), "s", errs);

        Assert.Contains(message, errs.Select(e => e.ToString()));
    }

    [Fact]
    public void StructuralCheck_IntOrStringAndPreserveWithoutType_AreStructural()
    {
        var errs = new List<FieldError>();

        StructuralSchemaCheck.Validate(Schema("""{"type":"object","properties":{"a":{"x-kubernetes-int-or-string":true},"b":{"x-kubernetes-preserve-unknown-fields":true},"c":{"type":"string","anyOf":[{"pattern":"^a"},{"maxLength":1}]}}}"""), "s", errs);

        Assert.Empty(errs);
    }
}
