using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Validation;
using Xunit;

namespace Timonel.Api.Tests.Validation;

/// <summary>The shared JSON accessors that replaced the API server's own Meta helpers.</summary>
public class ObjectMetaAccessTests
{
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void Fields_WrongTypes_ReadAsAbsent()
    {
        var obj = Json("""{"metadata":{"name":"a","namespace":1,"uid":true,"resourceVersion":"7"}}""");

        Assert.Equal("a", ObjectMetaAccess.Name(obj));
        Assert.Null(ObjectMetaAccess.Namespace(obj));
        Assert.Null(ObjectMetaAccess.Uid(obj));
        Assert.Equal("7", ObjectMetaAccess.ResourceVersion(obj));
        Assert.Null(ObjectMetaAccess.Name(Json("""{"metadata":"x"}""")));
        Assert.False(ObjectMetaAccess.IsDeleting(Json("""{"metadata":[1]}""")));
        Assert.Empty(ObjectMetaAccess.Labels(Json("""{"metadata":7}""")));
        Assert.Empty(ObjectMetaAccess.Finalizers(Json("""{"metadata":"x"}""")));
    }

    [Fact]
    public void Metadata_NotAnObject_Replaced()
    {
        var obj = Json("""{"metadata":"x"}""");

        ObjectMetaAccess.Metadata(obj)["name"] = "b";

        Assert.Equal("b", ObjectMetaAccess.Name(obj));
    }

    [Fact]
    public void Labels_NonStringValue_ReadsAsEmpty()
    {
        var obj = Json("""{"metadata":{"labels":{"a":"1","b":2,"c":null}}}""");

        var labels = ObjectMetaAccess.Labels(obj);

        Assert.Equal("1", labels["a"]);
        Assert.Equal("", labels["b"]);
        Assert.Equal("", labels["c"]);
    }

    [Fact]
    public void Finalizers_SetAndClear_OmitsEmptyList()
    {
        var obj = Json("""{"metadata":{"finalizers":["x",3,"y"]}}""");

        Assert.Equal(["x", "y"], ObjectMetaAccess.Finalizers(obj));
        ObjectMetaAccess.SetFinalizers(obj, ["z"]);
        Assert.Equal(["z"], ObjectMetaAccess.Finalizers(obj));
        ObjectMetaAccess.SetFinalizers(obj, []);
        Assert.False(obj["metadata"]!.AsObject().ContainsKey("finalizers"));
    }

    [Fact]
    public void IsDeleting_DeletionTimestamp_True()
    {
        Assert.True(ObjectMetaAccess.IsDeleting(Json("""{"metadata":{"deletionTimestamp":"2026-01-01T00:00:00Z"}}""")));
        Assert.False(ObjectMetaAccess.IsDeleting(Json("""{"metadata":{"deletionTimestamp":null}}""")));
    }

    [Fact]
    public void Timestamp_FractionalSecondsAndOffset_WholeSecondsUtc()
    {
        var time = new DateTimeOffset(2026, 12, 6, 23, 30, 15, 900, TimeSpan.FromHours(2));

        Assert.Equal("2026-12-06T21:30:15Z", ObjectMetaAccess.Timestamp(time));
    }

    [Fact]
    public void AsString_ValueBuiltFromDate_NullNotThrow()
    {
        // Kind String, but not a string: GetValue<string> would throw here.
        var node = JsonValue.Create(DateTimeOffset.UnixEpoch);

        Assert.Null(JsonAccess.AsString(node));
        Assert.Equal("x", JsonAccess.AsString(JsonValue.Create("x")));
        Assert.Equal("x", JsonAccess.AsString(JsonNode.Parse("\"x\"")));
        Assert.Null(JsonAccess.AsString(JsonNode.Parse("1")));
    }

    [Theory]
    [InlineData("5", 5L)]
    [InlineData("5.0", 5L)]
    [InlineData("1e3", 1000L)]
    [InlineData("1.5", null)]
    [InlineData("\"5\"", null)]
    [InlineData("1e19", long.MaxValue)]
    public void WholeNumber_ParsedJson(string json, long? expected)
    {
        Assert.Equal(expected, JsonAccess.WholeNumber(JsonNode.Parse(json)));
    }

    [Fact]
    public void WholeNumber_ValuesBuiltInCode_OnlyLongAndDouble()
    {
        // Kept as the API server's Meta.Long read them; AsLong reads the int as well.
        Assert.Equal(5L, JsonAccess.WholeNumber(JsonValue.Create(5L)));
        Assert.Equal(5L, JsonAccess.WholeNumber(JsonValue.Create(5.0)));
        Assert.Null(JsonAccess.WholeNumber(JsonValue.Create(5)));
        Assert.Equal(5L, JsonAccess.AsLong(JsonValue.Create(5)));
        Assert.Null(JsonAccess.AsLong(JsonNode.Parse("1e19")));
    }

    [Theory]
    [InlineData("1", 1L, 1000L)]
    [InlineData("100m", 1L, 100L)]
    [InlineData("1.5", 2L, 1500L)]
    [InlineData("1Gi", 1073741824L, 1073741824000L)]
    [InlineData("0.1m", 1L, 1L)]
    public void Quantity_ValueAndMilliValue_RoundUp(string text, long value, long milli)
    {
        var quantity = new ResourceQuantity(text);

        Assert.Equal(value, Quantity.Value(quantity));
        Assert.Equal(milli, Quantity.MilliValue(quantity));
    }

    [Fact]
    public void Quantity_ValueOfNull_Zero()
    {
        Assert.Equal(0, Quantity.Value(null));
        Assert.Equal(0, Quantity.MilliValue(null));
    }
}
