using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>Naming conflicts between CRDs, and deleting a CRD (the cleanup finalizer).</summary>
public sealed class CustomResourceDefinitionLifecycleTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    [Theory]
    [InlineData("gadgets", "Gadget", "wd", "ShortNamesConflict", "\"wd\" is already in use")]
    [InlineData("gadgets", "Widget", "gd", "ListKindConflict", "\"WidgetList\" is already in use")]
    [InlineData("gadgets", "Gadget", "widget", "ShortNamesConflict", "\"widget\" is already in use")]
    public async Task Create_NameConflictInGroup_NamesNotAcceptedAndNotServed(string plural, string kind, string shortName, string reason, string message)
    {
        var group = $"{reason.ToLowerInvariant()}-{kind.ToLowerInvariant()}-{shortName}.naming.example.com";
        await Crds.EstablishAsync(fx.Client, Crds.Crd(group, "widgets", "Widget", shortNames: ["wd"]));

        ApiAssert.Code(201, await fx.Client.PostAsync(Crds.Path, Crds.Crd(group, plural, kind, shortNames: [shortName])));
        var crd = await Crds.WaitConditionAsync(fx.Client, $"{plural}.{group}", "NamesAccepted", "False");

        var accepted = Crds.Condition(crd, "NamesAccepted")!;
        Assert.Equal(reason, accepted["reason"]!.GetValue<string>());
        Assert.Equal(message, accepted["message"]!.GetValue<string>());
        var established = Crds.Condition(crd, "Established")!;
        Assert.Equal("False", established["status"]!.GetValue<string>());
        Assert.Equal("NotAccepted", established["reason"]!.GetValue<string>());
        ApiAssert.Code(404, await fx.Client.GetAsync($"/apis/{group}/v1/{plural}"));
        ApiAssert.Code(200, await fx.Client.GetAsync($"/apis/{group}/v1/widgets"));
    }

    [Fact]
    public async Task Create_SameNamesInOtherGroup_Accepted()
    {
        await Crds.EstablishAsync(fx.Client, Crds.Crd("one.naming.example.com", "widgets", "Widget", shortNames: ["wd"]));

        var crd = await Crds.EstablishAsync(fx.Client, Crds.Crd("two.naming.example.com", "widgets", "Widget", shortNames: ["wd"]));

        Assert.Equal("True", Crds.Condition(crd, "NamesAccepted")!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_CrdWithObjects_TerminatesDeletesObjectsThenGoes()
    {
        const string group = "cleanup.example.com";
        await Crds.EstablishAsync(fx.Client, Crds.Crd(group, "widgets", "Widget"));
        var ns = await fx.NamespaceAsync("cleanup");
        var path = $"/apis/{group}/v1/namespaces/{ns}/widgets";
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "free")));
        var held = Crds.Widget(group, "held");
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        ApiAssert.Code(201, await fx.Client.PostAsync(path, held));

        var deleted = await fx.Client.DeleteAsync($"{Crds.Path}/widgets.{group}");

        ApiAssert.Code(200, deleted);
        Assert.Contains("customresourcecleanup.apiextensions.k8s.io", deleted.Object["metadata"]!["finalizers"]!.ToJsonString(), StringComparison.Ordinal);
        var terminating = await Crds.WaitConditionAsync(fx.Client, $"widgets.{group}", "Terminating", "True");
        Assert.Equal("InstanceDeletionInProgress", Crds.Condition(terminating, "Terminating")!["reason"]!.GetValue<string>());
        await Eventually.WaitAsync(async _ => (await fx.Client.GetAsync($"{path}/free")).Code == 404, TimeSpan.FromSeconds(10), "the free object deleted");
        var create = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(path, Crds.Widget(group, "late")));
        ApiAssert.Failure(create, 405, "MethodNotAllowed", "create not allowed while custom resource definition is terminating");
        var stillHeld = await fx.Client.GetAsync($"{path}/held");
        ApiAssert.Code(200, stillHeld);
        Assert.NotNull(stillHeld.Object["metadata"]!["deletionTimestamp"]);
        ApiAssert.Code(200, await fx.Client.GetAsync($"{Crds.Path}/widgets.{group}"));

        ApiAssert.Code(200, await fx.Client.PatchAsync($"{path}/held", "{\"metadata\":{\"finalizers\":null}}", ApiClient.MergePatch));

        await Eventually.WaitAsync(async _ => (await fx.Client.GetAsync($"{Crds.Path}/widgets.{group}")).Code == 404, TimeSpan.FromSeconds(15), "the CRD gone");
        await Eventually.WaitAsync(async _ => (await fx.Client.GetAsync($"/apis/{group}/v1/widgets")).Code == 404, TimeSpan.FromSeconds(5), "the resource no longer served");
        var groups = await fx.Client.GetAsync("/apis");
        Assert.DoesNotContain(group, groups.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_CrdWithoutObjects_GoesAtOnce()
    {
        const string group = "empty.example.com";
        await Crds.EstablishAsync(fx.Client, Crds.Crd(group, "widgets", "Widget"));

        ApiAssert.Code(200, await fx.Client.DeleteAsync($"{Crds.Path}/widgets.{group}"));

        await Eventually.WaitAsync(async _ => (await fx.Client.GetAsync($"{Crds.Path}/widgets.{group}")).Code == 404, TimeSpan.FromSeconds(10), "the CRD gone");
    }
}
