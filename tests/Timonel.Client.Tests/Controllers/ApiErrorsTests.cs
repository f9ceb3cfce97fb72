using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Client.Tests.LeaderElection;
using Xunit;

namespace Timonel.Client.Tests.Controllers;

public sealed class ApiErrorsTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    // Bodies as kube-apiserver 1.33 writes them.
    private const string AlreadyExistsBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web-0\" already exists","reason":"AlreadyExists","details":{"name":"web-0","kind":"pods"},"code":409}""";

    private const string ConflictBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on pods \"web-0\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"web-0","kind":"pods"},"code":409}""";

    private const string NotFoundBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web-0\" not found","reason":"NotFound","details":{"name":"web-0","kind":"pods"},"code":404}""";

    private const string InvalidBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"web-0\" is invalid: metadata.uid: Invalid value: \"x\": field is immutable","reason":"Invalid","details":{"name":"web-0","kind":"Pod","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"x\": field is immutable","field":"metadata.uid"}]},"code":422}""";

    private const string ExpiredBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result.","reason":"Expired","code":410}""";

    private const string GoneBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Gone","code":410}""";

    private const string TooManyRequestsBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}""";

    private const string NamespaceTerminatingBody =
        """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web-0\" is forbidden: unable to create new content in namespace ns because it is being terminated","reason":"Forbidden","details":{"name":"web-0","kind":"pods","causes":[{"reason":"NamespaceTerminating","message":"namespace ns is being terminated","field":"metadata.namespace"}]},"code":403}""";

    [Fact]
    public void IsAlreadyExists_ReasonAlreadyExists_TrueAndNotConflict()
    {
        var e = Failure(HttpStatusCode.Conflict, AlreadyExistsBody, HttpMethod.Post);
        Assert.True(ApiErrors.IsAlreadyExists(e));
        Assert.False(ApiErrors.IsConflict(e));
        Assert.Equal("AlreadyExists", ApiErrors.ReasonOf(e));
        Assert.Equal("pods \"web-0\" already exists", ApiErrors.MessageOf(e));
    }

    [Fact]
    public void IsAlreadyExists_ReasonConflictOn409_FalseAndIsConflict()
    {
        // The old copies disagreed here: one called any 409 whose body contained the word a create failure.
        var e = Failure(HttpStatusCode.Conflict, ConflictBody, HttpMethod.Put);
        Assert.False(ApiErrors.IsAlreadyExists(e));
        Assert.True(ApiErrors.IsConflict(e));
    }

    [Fact]
    public void IsAlreadyExists_MessageMentionsAlreadyExistsButReasonIsConflict_False()
    {
        var body = ConflictBody.Replace("the object has been modified", "AlreadyExists in message text", StringComparison.Ordinal);
        Assert.False(ApiErrors.IsAlreadyExists(Failure(HttpStatusCode.Conflict, body, HttpMethod.Post)));
    }

    [Fact]
    public void IsAlreadyExists_409WithoutStatusBody_DependsOnVerbAsClientGo()
    {
        Assert.True(ApiErrors.IsAlreadyExists(Failure(HttpStatusCode.Conflict, "conflict", HttpMethod.Post)));
        Assert.False(ApiErrors.IsConflict(Failure(HttpStatusCode.Conflict, "conflict", HttpMethod.Post)));
        Assert.False(ApiErrors.IsAlreadyExists(Failure(HttpStatusCode.Conflict, "conflict", HttpMethod.Put)));
        Assert.True(ApiErrors.IsConflict(Failure(HttpStatusCode.Conflict, string.Empty, HttpMethod.Put)));
    }

    [Fact]
    public void IsNotFound_ReasonNotFound_True()
    {
        var e = Failure(HttpStatusCode.NotFound, NotFoundBody);
        Assert.True(ApiErrors.IsNotFound(e));
        Assert.False(ApiErrors.IsGone(e));
    }

    [Fact]
    public void IsNotFound_404WithUnknownReason_TrueByCode()
    {
        var body = NotFoundBody.Replace("\"reason\":\"NotFound\"", "\"reason\":\"SomethingNew\"", StringComparison.Ordinal);
        Assert.True(ApiErrors.IsNotFound(Failure(HttpStatusCode.NotFound, body)));
        Assert.True(ApiErrors.IsNotFound(Failure(HttpStatusCode.NotFound, "404 page not found")));
    }

    [Fact]
    public void IsNotFound_404WithKnownOtherReason_False()
    {
        // A known reason wins over the code, as upstream's reasonAndCodeForError.
        var body = NotFoundBody.Replace("\"reason\":\"NotFound\"", "\"reason\":\"Forbidden\"", StringComparison.Ordinal);
        Assert.False(ApiErrors.IsNotFound(Failure(HttpStatusCode.NotFound, body)));
        Assert.True(ApiErrors.IsForbidden(Failure(HttpStatusCode.NotFound, body)));
    }

    [Fact]
    public void IsInvalid_ReasonInvalid_True()
    {
        var e = Failure(HttpStatusCode.UnprocessableEntity, InvalidBody);
        Assert.True(ApiErrors.IsInvalid(e));
        Assert.True(ApiErrors.HasStatusCause(e, "FieldValueInvalid"));
        Assert.False(ApiErrors.IsConflict(e));
    }

    [Fact]
    public void IsResourceExpired_ReasonExpired_TrueAndNotGone()
    {
        var expired = Failure(HttpStatusCode.Gone, ExpiredBody);
        Assert.True(ApiErrors.IsResourceExpired(expired));
        Assert.False(ApiErrors.IsGone(expired));
        var gone = Failure(HttpStatusCode.Gone, GoneBody);
        Assert.True(ApiErrors.IsGone(gone));
        Assert.False(ApiErrors.IsResourceExpired(gone));
    }

    [Fact]
    public void IsTooManyRequests_ReasonOrCode_True()
    {
        Assert.True(ApiErrors.IsTooManyRequests(Failure(HttpStatusCode.TooManyRequests, TooManyRequestsBody)));
        Assert.True(ApiErrors.IsTooManyRequests(Failure(HttpStatusCode.TooManyRequests, string.Empty)));
        Assert.False(ApiErrors.IsTooManyRequests(Failure(HttpStatusCode.Conflict, ConflictBody)));
    }

    [Fact]
    public void IsNamespaceTerminating_ByStatusCause_NotByMessageText()
    {
        Assert.True(ApiErrors.IsNamespaceTerminating(Failure(HttpStatusCode.Forbidden, NamespaceTerminatingBody)));
        var withoutCause = NamespaceTerminatingBody.Replace("\"reason\":\"NamespaceTerminating\"", "\"reason\":\"Other\"", StringComparison.Ordinal);
        Assert.False(ApiErrors.IsNamespaceTerminating(Failure(HttpStatusCode.Forbidden, withoutCause)));
    }

    [Fact]
    public void Classifiers_NotAnApiFailure_False()
    {
        var e = new InvalidOperationException("boom");
        Assert.False(ApiErrors.IsNotFound(e));
        Assert.False(ApiErrors.IsAlreadyExists(e));
        Assert.False(ApiErrors.IsConflict(e));
        Assert.Null(ApiErrors.CodeOf(e));
        Assert.Equal("boom", ApiErrors.MessageOf(e));
    }

    [Fact]
    public async Task Classifiers_RealServerAnswers_MatchTheirReasons()
    {
        var cluster = fixture.Cluster;
        var ns = await cluster.CreateNamespaceAsync("apierrors");
        var map = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } };
        var created = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(map, ns);

        var exists = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(map, ns));
        Assert.True(ApiErrors.IsAlreadyExists(exists));
        Assert.False(ApiErrors.IsConflict(exists));

        var stale = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm", ResourceVersion = created.Metadata.ResourceVersion }, Data = new Dictionary<string, string> { ["a"] = "1" } };
        await cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(stale, "cm", ns);
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(stale, "cm", ns));
        Assert.True(ApiErrors.IsConflict(conflict));
        Assert.False(ApiErrors.IsAlreadyExists(conflict));

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("absent", ns));
        Assert.True(ApiErrors.IsNotFound(missing));

        var bad = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "Not_Valid" } };
        var invalid = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(bad, ns));
        Assert.True(ApiErrors.IsInvalid(invalid));
    }

    private static HttpOperationException Failure(HttpStatusCode code, string body, HttpMethod? method = null) => new($"Operation returned an invalid status code '{code}'")
    {
        Request = new HttpRequestMessageWrapper(new HttpRequestMessage(method ?? HttpMethod.Get, "https://127.0.0.1/api/v1/namespaces/ns/pods"), null),
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage(code), body),
    };
}
