using System.Text.Json.Nodes;
using Timonel.Registry.CustomResources;
using Xunit;

namespace Timonel.Api.Tests.CustomResources;

public sealed class CrdNamingTests
{
    private static JsonObject Crd(string group, string plural, string kind, string[]? shortNames = null, bool accepted = false)
    {
        var names = new JsonObject
        {
            ["plural"] = plural, ["singular"] = kind.ToLowerInvariant(), ["kind"] = kind, ["listKind"] = kind + "List",
            ["shortNames"] = new JsonArray((shortNames ?? []).Select(s => (JsonNode)s).ToArray()),
        };
        var crd = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"{plural}.{group}" },
            ["spec"] = new JsonObject { ["group"] = group, ["names"] = names },
        };
        if (accepted)
        {
            crd["status"] = new JsonObject { ["acceptedNames"] = names.DeepClone() };
        }

        return crd;
    }

    [Fact]
    public void Evaluate_NoOthers_AcceptsRequestedNames()
    {
        var result = CrdNaming.Evaluate(Crd("a.io", "widgets", "Widget", ["wd"]), []);

        Assert.True(result.Accepted);
        Assert.Equal("NoConflicts", result.Reason);
        Assert.Equal("widgets", result.AcceptedNames["plural"]!.GetValue<string>());
        Assert.Equal("[\"wd\"]", result.AcceptedNames["shortNames"]!.ToJsonString());
    }

    [Theory]
    [InlineData("wd", "Gadget", "gd", "PluralConflict", "\"wd\" is already in use")]
    [InlineData("gadgets", "Gadget", "widget", "ShortNamesConflict", "\"widget\" is already in use")]
    [InlineData("gadgets", "Gadget", "wd", "ShortNamesConflict", "\"wd\" is already in use")]
    public void Evaluate_ConflictInGroup_NotAccepted(string plural, string kind, string shortName, string reason, string message)
    {
        var other = Crd("a.io", "widgets", "Widget", ["wd"], accepted: true);

        var result = CrdNaming.Evaluate(Crd("a.io", plural, kind, [shortName]), [other]);

        Assert.False(result.Accepted);
        Assert.Equal(reason, result.Reason);
        Assert.Equal(message, result.Message);
    }

    [Fact]
    public void Evaluate_KindOnlyConflict_KindConflict()
    {
        var other = Crd("a.io", "widgets", "Widget", accepted: true);
        var crd = Crd("a.io", "gadgets", "Widget");
        crd["spec"]!["names"]!["listKind"] = "GadgetList";

        var result = CrdNaming.Evaluate(crd, [other]);

        Assert.Equal("KindConflict", result.Reason);
        Assert.Equal("\"Widget\" is already in use", result.Message);
    }

    [Fact]
    public void Evaluate_SameNamesOtherGroupOrUnacceptedOther_Accepted()
    {
        var otherGroup = Crd("b.io", "widgets", "Widget", ["wd"], accepted: true);
        var notYetAccepted = Crd("a.io", "widgets2", "Widget", ["wd"]);

        var result = CrdNaming.Evaluate(Crd("a.io", "widgets", "Widget", ["wd"]), [otherGroup, notYetAccepted]);

        Assert.True(result.Accepted);
    }

    [Fact]
    public void Evaluate_AlreadyHeldName_StaysAccepted()
    {
        var self = Crd("a.io", "widgets", "Widget", ["wd"], accepted: true);
        var laterClaim = Crd("a.io", "gadgets", "Gadget", ["wd"], accepted: true);

        var result = CrdNaming.Evaluate(self, [laterClaim]);

        Assert.True(result.Accepted);
    }
}
