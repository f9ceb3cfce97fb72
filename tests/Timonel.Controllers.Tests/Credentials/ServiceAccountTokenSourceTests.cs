using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Controllers.Credentials;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Credentials;

public sealed class ServiceAccountTokenSourceTests
{
    [Fact]
    public async Task Create_AccountMissing_CreatesItAndTheClientActsAsIt()
    {
        await using var cluster = await TestCluster.StartAsync();
        const string Account = "test-controller";
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.ReadNamespacedServiceAccountAsync(Account, "kube-system"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);

        var server = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath);
        using var client = new ServiceAccountClients(server, NullLoggerFactory.Instance).Create(cluster.Client, Account);
        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());

        Assert.Equal("system:serviceaccount:kube-system:test-controller", review.Status.UserInfo.Username);
        Assert.NotNull(await cluster.Client.CoreV1.ReadNamespacedServiceAccountAsync(Account, "kube-system"));
    }

    [Fact]
    public async Task GetAuthenticationHeader_UntilEightyPercentOfTheHour_ReusesTheToken_ThenRequestsANewOne()
    {
        await using var cluster = await TestCluster.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var source = new ServiceAccountTokenSource(cluster.Client, "renewed-controller", clock, NullLogger.Instance);

        var first = await source.GetAuthenticationHeaderAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(47));
        var beforeRenewal = await source.GetAuthenticationHeaderAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(2));
        var afterRenewal = await source.GetAuthenticationHeaderAsync(CancellationToken.None);

        Assert.Equal("Bearer", first.Scheme);
        Assert.False(string.IsNullOrEmpty(first.Parameter));
        Assert.Equal(first.Parameter, beforeRenewal.Parameter);
        Assert.NotEqual(first.Parameter, afterRenewal.Parameter);
    }
}
