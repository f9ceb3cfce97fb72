using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// Accept headers negotiated as kube-apiserver 1.33 does: a media type or conversion nobody can
/// serve is a 406 (and no write); what kubectl and client libraries send keeps working.
/// </summary>
public sealed class AcceptNegotiationTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string NotAcceptable = "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf";

    private const string KubectlTable = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    [Theory]
    [InlineData("foo/bar")]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    [InlineData("application/json;as=Bogus;v=v1;g=meta.k8s.io")]
    [InlineData("application/json;as=Table")]
    [InlineData("application/json;as=Table;v=v2;g=meta.k8s.io")]
    [InlineData("application/json;as=Table;v=v1;g=apps")]
    [InlineData("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io")]
    [InlineData("application/json;v=v1")]
    public async Task List_UnservableAccept_Is406(string accept)
    {
        var ns = await fx.NamespaceAsync("accept");

        var response = await fx.Client.GetAsync(ConfigMaps(ns), accept);

        ApiAssert.Failure(response, 406, "NotAcceptable");
        Assert.Equal(NotAcceptable, response.Message);
    }

    [Theory]
    [InlineData("foo/bar")]
    [InlineData("application/json;as=Bogus;v=v1;g=meta.k8s.io")]
    public async Task CreateGetDelete_UnservableAccept_Is406AndWritesNothing(string accept)
    {
        var ns = await fx.NamespaceAsync("accept");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("keep"))).Code);

        var create = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), TestObjects.ConfigMap("new").ToJsonString(), ApiClient.Json, accept));
        var get = await fx.Client.GetAsync($"{ConfigMaps(ns)}/keep", accept);
        var delete = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Delete, $"{ConfigMaps(ns)}/keep", accept: accept));

        ApiAssert.Failure(create, 406, "NotAcceptable", NotAcceptable);
        ApiAssert.Failure(get, 406, "NotAcceptable", NotAcceptable);
        ApiAssert.Failure(delete, 406, "NotAcceptable", NotAcceptable);
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/new")).Code);
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/keep")).Code);
    }

    [Theory]
    [InlineData(null, "ConfigMapList")]
    [InlineData("", "ConfigMapList")]
    [InlineData("*/*", "ConfigMapList")]
    [InlineData("application/*", "ConfigMapList")]
    [InlineData("application/json", "ConfigMapList")]
    [InlineData("application/json, */*", "ConfigMapList")]
    [InlineData("application/yaml", "ConfigMapList")]
    [InlineData("application/vnd.kubernetes.protobuf", "ConfigMapList")]
    [InlineData("application/vnd.kubernetes.protobuf, application/json", "ConfigMapList")]
    [InlineData("foo/bar, application/json", "ConfigMapList")]
    [InlineData("application/json;as=Bogus;v=v1;g=meta.k8s.io,application/json", "ConfigMapList")]
    [InlineData("application/json;as=Table;v=v1;g=meta.k8s.io;q=0.5,application/json", "ConfigMapList")]
    [InlineData("application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io", "Table")]
    [InlineData(KubectlTable, "Table")]
    [InlineData("application/json;as=Bogus;v=v1;g=meta.k8s.io," + KubectlTable, "Table")]
    [InlineData("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "Table")]
    [InlineData("*/*;as=Table;v=v1;g=meta.k8s.io", "Table")]
    [InlineData("application/yaml;as=Table;v=v1;g=meta.k8s.io", "Table")]
    [InlineData("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1,application/json", "PartialObjectMetadataList")]
    [InlineData("application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", "PartialObjectMetadataList")]
    public async Task List_WhatClientsSend_Is200(string? accept, string kind)
    {
        var ns = await fx.NamespaceAsync("accept");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("one", new JsonObject { ["a"] = "b" }))).Code);

        var response = await fx.Client.GetAsync(ConfigMaps(ns), accept);

        Assert.Equal(200, response.Code);
        Assert.Equal(kind, response.Kind);
    }

    [Fact]
    public async Task Watch_UnservableAccept_Is406()
    {
        var ns = await fx.NamespaceAsync("accept");

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?watch=true", "application/json;as=Bogus;v=v1;g=meta.k8s.io");

        ApiAssert.Failure(response, 406, "NotAcceptable", NotAcceptable);
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/apis")]
    [InlineData("/api/v1")]
    [InlineData("/apis/apps/v1")]
    public async Task Discovery_UnservableAccept_Is406(string path)
    {
        var response = await fx.Client.GetAsync(path, "foo/bar");

        ApiAssert.Failure(response, 406, "NotAcceptable", NotAcceptable);
    }

    [Theory]
    [InlineData("/api", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")]
    [InlineData("/apis", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")]
    [InlineData("/apis", "application/json, */*")]
    [InlineData("/apis/apps/v1", "application/json, */*")]
    [InlineData("/api/v1", null)]
    public async Task Discovery_WhatClientsSend_Is200(string path, string? accept)
    {
        var response = await fx.Client.GetAsync(path, accept);

        Assert.Equal(200, response.Code);
    }
}
