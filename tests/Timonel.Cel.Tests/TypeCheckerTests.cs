using System.Text.Json.Nodes;
using Timonel.Cel.Checking;
using Timonel.Cel.Values;
using Xunit;

namespace Timonel.Cel.Tests;

/// <summary>The checker: cel-go's compile errors, and types from OpenAPI schemas as Kubernetes derives them.</summary>
public sealed class TypeCheckerTests
{
    private const string Schema = """
        {"type": "object", "properties": {
          "spec": {"type": "object", "required": ["replicas"], "properties": {
            "replicas": {"type": "integer"}, "ratio": {"type": "number"}, "name": {"type": "string", "maxLength": 10},
            "enabled": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "port": {"x-kubernetes-int-or-string": true},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "created": {"type": "string", "format": "date-time"},
            "timeout": {"type": "string", "format": "duration"},
            "data": {"type": "string", "format": "byte"},
            "x-dashed": {"type": "string"}, "if": {"type": "string"},
            "items": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer"}}}}}}}}
        """;

    private static CelEnvironment Env()
    {
        var self = CelSchemaTypes.FromSchema(JsonNode.Parse(Schema))!;
        return new CelEnvironment().WithVariable("self", self).WithVariable("oldSelf", self);
    }

    [Theory]
    [InlineData("1 == 1u", "found no matching overload for '_==_' applied to '(int, uint)'", 3)]
    [InlineData("1 == 1.0", "found no matching overload for '_==_' applied to '(int, double)'", 3)]
    [InlineData("1 == 'a'", "found no matching overload for '_==_' applied to '(int, string)'", 3)]
    [InlineData("null == 0", "found no matching overload for '_==_' applied to '(null_type, int)'", 6)]
    [InlineData("'a' + 1", "found no matching overload for '_+_' applied to '(string, int)'", 5)]
    [InlineData("1 + 1u", "found no matching overload for '_+_' applied to '(int, uint)'", 3)]
    [InlineData("1.5 % 1.0", "found no matching overload for '_%_' applied to '(double, double)'", 5)]
    [InlineData("-1u", "found no matching overload for '-_' applied to '(uint)'", 1)]
    [InlineData("!1", "found no matching overload for '!_' applied to '(int)'", 1)]
    [InlineData("1 && true", "found no matching overload for '_&&_' applied to '(int, bool)'", 3)]
    [InlineData("1 ? 2 : 3", "found no matching overload for '_?_:_' applied to '(int, int, int)'", 3)]
    [InlineData("true ? 1 : 'a'", "found no matching overload for '_?_:_' applied to '(bool, int, string)'", 6)]
    [InlineData("1 < 'a'", "found no matching overload for '_<_' applied to '(int, string)'", 3)]
    [InlineData("[1] < [2]", "found no matching overload for '_<_' applied to '(list(int), list(int))'", 5)]
    [InlineData("[1] + ['a']", "found no matching overload for '_+_' applied to '(list(int), list(string))'", 5)]
    [InlineData("[1][1.5]", "found no matching overload for '_[_]' applied to '(list(int), double)'", 4)]
    [InlineData("{'a': 1}[1]", "found no matching overload for '_[_]' applied to '(map(string, int), int)'", 9)]
    [InlineData("'a'.size(1)", "found no matching overload for 'size' applied to 'string.(int)'", 9)]
    [InlineData("'a'.contains(1)", "found no matching overload for 'contains' applied to 'string.(int)'", 13)]
    [InlineData("[1].join()", "found no matching overload for 'join' applied to 'list(int).()'", 9)]
    [InlineData("['a'].sum()", "found no matching overload for 'sum' applied to 'list(string).()'", 10)]
    [InlineData("1.a", "type 'int' does not support field selection", 2)]
    [InlineData("1.all(x, true)", "expression of type 'int' cannot be range of a comprehension (must be list, map, or dynamic)", 1)]
    [InlineData("[1].all(x, x)", "found no matching overload for '_&&_' applied to '(bool, int)'", 8)]
    [InlineData("[1].map(x, x).filter(y, y + 'a' == 'b')", "found no matching overload for '_+_' applied to '(int, string)'", 27)]
    [InlineData("timestamp(1.5)", "found no matching overload for 'timestamp' applied to '(double)'", 10)]
    [InlineData("self.spec.nope > 1", "undefined field 'nope'", 10)]
    [InlineData("self.nope", "undefined field 'nope'", 5)]
    [InlineData("has(self.spec.nope)", "undefined field 'nope'", 4)]
    [InlineData("self.spec.replicas + 'a'", "found no matching overload for '_+_' applied to '(int, string)'", 20)]
    [InlineData("self.spec.ratio == 1", "found no matching overload for '_==_' applied to '(double, int)'", 17)]
    [InlineData("self.spec.name.size() > 'a'", "found no matching overload for '_>_' applied to '(int, string)'", 23)]
    [InlineData("self.spec.tags.exists(t, t > 1)", "found no matching overload for '_>_' applied to '(string, int)'", 28)]
    [InlineData("self.spec.labels.a + 1", "found no matching overload for '_+_' applied to '(string, int)'", 20)]
    [InlineData("self.spec.extra.anything", "undefined field 'anything'", 16)]
    [InlineData("self.spec.created > 1", "found no matching overload for '_>_' applied to '(google.protobuf.Timestamp, int)'", 19)]
    [InlineData("self.spec.items.all(i, i.port.size() > 0)", "found no matching overload for 'size' applied to 'int.()'", 35)]
    [InlineData("self.spec.x-dashed == 'a'", "undeclared reference to 'dashed' (in container '')", 13)]
    [InlineData("self.metadata.labels", "undefined field 'labels'", 14)]
    [InlineData("other > 1", "undeclared reference to 'other' (in container '')", 1)]
    [InlineData("self.spec.name.nope()", "undeclared reference to 'nope' (in container '')", 20)]
    public void Compile_TypeError_ReportedAsCelGo(string expr, string message, int column)
    {
        var result = Env().Compile(expr);
        Assert.Null(result.Program);
        Assert.Contains(result.Issues, i => i.Message == message && i.Line == 1 && i.Column == column);
    }

    [Theory]
    [InlineData("self.spec.replicas >= 0 && self.spec.replicas <= 10")]
    [InlineData("self.spec.replicas < 1.5 && self.spec.replicas > 0u")]
    [InlineData("self.spec.ratio < 1.0")]
    [InlineData("self.spec.name.size() <= 10 && self.spec.name.startsWith('a')")]
    [InlineData("self.spec.tags.all(t, t.matches('^[a-z]+$')) && self.spec.tags.size() < 5")]
    [InlineData("self.spec.labels.all(k, k.size() < 63 && self.spec.labels[k] != '')")]
    [InlineData("'a' in self.spec.labels")]
    [InlineData("type(self.spec.port) == int ? self.spec.port > 0 : self.spec.port.endsWith('%')")]
    [InlineData("self.spec.created < timestamp('2030-01-01T00:00:00Z')")]
    [InlineData("self.spec.timeout <= duration('1h')")]
    [InlineData("self.spec.data.size() > 0")]
    [InlineData("self.spec.x__dash__dashed == 'a' && self.spec.__if__ != ''")]
    [InlineData("self.spec.items.map(i, i.port).max() < 65536")]
    [InlineData("self.spec.items.exists_one(i, i.port == 80)")]
    [InlineData("self.spec.items.filter(i, i.port > 1000).size() == 0")]
    [InlineData("self.metadata.name.startsWith('x') && self.kind == 'K' && self.apiVersion != ''")]
    [InlineData("self.spec.replicas == oldSelf.spec.replicas")]
    [InlineData("has(self.spec.name) ? self.spec.name != '' : true")]
    [InlineData("self.spec == oldSelf.spec")]
    [InlineData("self.spec.tags + ['x'] == ['x']")]
    [InlineData("[1, 'a'].size() == 2 && {'a': 1, 'b': 'c'}.size() == 2")]
    [InlineData("dyn(1) == 1.0 && dyn('a') != 1")]
    [InlineData("self.spec.tags.indexOf('a') >= -1 && self.spec.tags.isSorted()")]
    [InlineData("string(self.spec.replicas) + self.spec.name.lowerAscii() != ''")]
    [InlineData("int(self.spec.ratio) + int('1') > 0 && double(self.spec.replicas) > 0.0")]
    [InlineData("self.spec.name.split(',').join('-').indexOf('a') >= 0")]
    [InlineData("self.spec.created.getFullYear() > 2000 && self.spec.timeout.getSeconds() > 0")]
    [InlineData("type(self) != int && google.protobuf.Timestamp != int")]
    public void Compile_WellTypedRule_Accepted(string expr)
    {
        var result = Env().Compile(expr);
        Assert.True(result.Program is not null, result.ErrorText);
    }

    [Fact]
    public void FromSchema_KubernetesRules_TypesMatchUpstream()
    {
        var self = CelSchemaTypes.FromSchema(JsonNode.Parse(Schema))!;
        var spec = self.Fields!["spec"];
        Assert.Equal("list(string)", spec.Fields!["tags"].ToString());
        Assert.Equal("map(string, string)", spec.Fields["labels"].ToString());
        Assert.Equal(CelType.Dyn, spec.Fields["port"]);
        Assert.Empty(spec.Fields["extra"].Fields!);
        Assert.Equal(CelType.Timestamp, spec.Fields["created"]);
        Assert.Equal(CelType.Duration, spec.Fields["timeout"]);
        Assert.Equal(CelType.Bytes, spec.Fields["data"]);
        Assert.True(spec.Fields.ContainsKey("x__dash__dashed"));
        Assert.True(spec.Fields.ContainsKey("__if__"));
        Assert.Equal(["generateName", "name"], self.Fields["metadata"].Fields!.Keys.Order());
        Assert.Null(CelSchemaTypes.FromSchema(JsonNode.Parse("""{"x-kubernetes-preserve-unknown-fields": true}""")));
        Assert.Null(CelSchemaTypes.FromSchema(JsonNode.Parse("""{"type": "array"}""")));
    }

    [Theory]
    [InlineData("foo", "foo")]
    [InlineData("x-y", "x__dash__y")]
    [InlineData("a.b/c", "a__dot__b__slash__c")]
    [InlineData("a__b", "a__underscores__b")]
    [InlineData("namespace", "__namespace__")]
    [InlineData("true", "__true__")]
    public void FieldNames_EscapeAndUnescape_RoundTrip(string name, string escaped)
    {
        Assert.Equal(escaped, FieldNames.Escape(name));
        Assert.Equal(name, FieldNames.Unescape(escaped));
    }

    [Theory]
    [InlineData("1a")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("a@b")]
    public void FieldNames_Unrepresentable_NotExposed(string name) => Assert.Null(FieldNames.Escape(name));
}

/// <summary>Evaluation over JSON with the declared schema types, as Kubernetes reads custom resources.</summary>
public sealed class SchemaEvaluationTests
{
    private const string Schema = """
        {"type": "object", "properties": {"spec": {"type": "object", "properties": {
          "ratio": {"type": "number"}, "count": {"type": "integer"},
          "created": {"type": "string", "format": "date-time"}, "day": {"type": "string", "format": "date"},
          "timeout": {"type": "string", "format": "duration"}, "data": {"type": "string", "format": "byte"},
          "x-y": {"type": "string"}, "if": {"type": "integer"},
          "windows": {"type": "array", "items": {"type": "string", "format": "duration"}},
          "limits": {"type": "object", "additionalProperties": {"type": "number"}},
          "port": {"x-kubernetes-int-or-string": true}}}}}
        """;

    private static CelValue Run(string expr, string json)
    {
        var env = new CelEnvironment().WithVariable("self", CelSchemaTypes.FromSchema(JsonNode.Parse(Schema))!);
        var compiled = env.Compile(expr);
        Assert.True(compiled.Program is not null, compiled.ErrorText);
        return compiled.Program!.Evaluate(CelActivation.Of("self", JsonNode.Parse(json)));
    }

    [Theory]
    [InlineData("self.spec.ratio == 2.0 && type(self.spec.ratio) == double", """{"spec": {"ratio": 2}}""")]
    [InlineData("self.spec.count == 3 && type(self.spec.count) == int", """{"spec": {"count": 3.0}}""")]
    [InlineData("self.spec.created < timestamp('2030-01-01T00:00:00Z') && self.spec.created.getFullYear() == 2024", """{"spec": {"created": "2024-05-01T10:00:00Z"}}""")]
    [InlineData("self.spec.day == timestamp('2024-05-01T00:00:00Z')", """{"spec": {"day": "2024-05-01"}}""")]
    [InlineData("self.spec.timeout == duration('90s')", """{"spec": {"timeout": "1m30s"}}""")]
    [InlineData("self.spec.data == b'hi' && self.spec.data.size() == 2", """{"spec": {"data": "aGk="}}""")]
    [InlineData("self.spec.x__dash__y == 'v' && self.spec.__if__ == 1", """{"spec": {"x-y": "v", "if": 1}}""")]
    [InlineData("has(self.spec.x__dash__y) && !has(self.spec.ratio)", """{"spec": {"x-y": "v"}}""")]
    [InlineData("self.spec.windows.all(w, w < duration('1h'))", """{"spec": {"windows": ["5m", "30s"]}}""")]
    [InlineData("self.spec.limits.cpu == 1.0 && self.spec.limits['mem'] > 0.5", """{"spec": {"limits": {"cpu": 1, "mem": 2}}}""")]
    [InlineData("type(self.spec.port) == string && self.spec.port.endsWith('%')", """{"spec": {"port": "50%"}}""")]
    [InlineData("type(self.spec.port) == int && self.spec.port == 8080", """{"spec": {"port": 8080}}""")]
    public void Evaluate_SchemaTypedJson_ReadAsKubernetesReadsIt(string expr, string json)
    {
        Assert.Same(CelBool.True, Run(expr, json));
    }

    [Fact]
    public void Evaluate_MalformedFormattedString_IsErrorValue()
    {
        Assert.IsType<CelError>(Run("self.spec.timeout > duration('1s')", """{"spec": {"timeout": "soon"}}"""));
        Assert.IsType<CelError>(Run("self.spec.data.size() > 0", """{"spec": {"data": "%%%"}}"""));
    }
}
