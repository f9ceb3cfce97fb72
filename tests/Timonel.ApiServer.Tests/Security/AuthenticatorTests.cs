using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Security;

public sealed class AuthenticatorTests : IAsyncLifetime
{
    private readonly TempDataDir _dir = new();
    private ClusterPki _pki = null!;
    private Authenticator _authenticator = null!;

    public async Task InitializeAsync()
    {
        _pki = await _dir.LoadAsync();
        _authenticator = Authenticator.ForCluster(_pki);
    }

    public Task DisposeAsync()
    {
        _pki.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AuthenticateAsync_AdminCertificate_IsSystemAdminInSystemMasters()
    {
        var user = await _authenticator.AuthenticateAsync(_pki.AdminCertificate, null, CancellationToken.None);

        Assert.NotNull(user);
        Assert.Equal("system:admin", user.Name);
        Assert.Equal(["system:masters", "system:authenticated"], user.Groups);
    }

    [Fact]
    public async Task AuthenticateAsync_CertificateWithSeveralOrganizations_MapsEachToAGroup()
    {
        using var certificate = TestCertificates.Issue(_pki.ClientCa, "O=dev, O=ops, CN=alice", "1.3.6.1.5.5.7.3.2", DateTimeOffset.UtcNow.AddDays(1));

        var user = await _authenticator.AuthenticateAsync(certificate, null, CancellationToken.None);

        Assert.NotNull(user);
        Assert.Equal("alice", user.Name);
        Assert.Equal(["dev", "ops", "system:authenticated"], user.Groups);
    }

    [Fact]
    public async Task AuthenticateAsync_CertificateFromForeignCa_IsRejected()
    {
        // Same subject and same CA name as ours, but another key: only the signature tells them apart.
        using var forged = TestCertificates.FromForeignCa("O=system:masters, CN=system:admin");

        Assert.Null(await _authenticator.AuthenticateAsync(forged, null, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_ServingCertificate_IsRejectedForClientAuth()
    {
        Assert.Null(await _authenticator.AuthenticateAsync(_pki.ServingCertificate, null, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_ClientCaCertificateWithoutClientAuthUsage_IsRejected()
    {
        using var certificate = TestCertificates.Issue(_pki.ClientCa, "CN=alice", "1.3.6.1.5.5.7.3.1", DateTimeOffset.UtcNow.AddDays(1));

        Assert.Null(await _authenticator.AuthenticateAsync(certificate, null, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_CertificateWithoutCommonName_IsRejected()
    {
        using var certificate = TestCertificates.Issue(_pki.ClientCa, "O=dev", "1.3.6.1.5.5.7.3.2", DateTimeOffset.UtcNow.AddDays(1));

        Assert.Null(await _authenticator.AuthenticateAsync(certificate, null, CancellationToken.None));
    }

    [Fact]
    public void Validate_CachedCertificateAfterItExpires_IsRejected()
    {
        var time = new FakeTime(DateTimeOffset.UtcNow);
        var validator = new ClientCertificateValidator(_pki.ClientCa, time);
        using var certificate = TestCertificates.Issue(_pki.ClientCa, "CN=bob", "1.3.6.1.5.5.7.3.2", time.Now.AddHours(1));

        Assert.Equal("bob", validator.Validate(certificate)?.Name);
        Assert.Equal("bob", validator.Validate(certificate)?.Name);
        time.Now += TimeSpan.FromHours(2);
        Assert.Null(validator.Validate(certificate));
    }

    [Fact]
    public async Task AuthenticateAsync_AdminToken_IsSystemAdmin()
    {
        var user = await _authenticator.AuthenticateAsync(null, "Bearer " + _pki.AdminToken, CancellationToken.None);

        Assert.NotNull(user);
        Assert.Equal("system:admin", user.Name);
        Assert.Contains("system:masters", user.Groups);
    }

    [Theory]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer ")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("")]
    [InlineData(null)]
    public async Task AuthenticateAsync_WrongOrNoToken_IsRejected(string? authorization)
    {
        Assert.Null(await _authenticator.AuthenticateAsync(null, authorization, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_TokenWithOneCharacterChanged_IsRejected()
    {
        var token = _pki.AdminToken[..^1] + (_pki.AdminToken[^1] == 'A' ? 'B' : 'A');

        Assert.Null(await _authenticator.AuthenticateAsync(null, "Bearer " + token, CancellationToken.None));
        Assert.Null(await _authenticator.AuthenticateAsync(null, "Bearer " + _pki.AdminToken + "x", CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_LowerCaseSchemeAndOuterPadding_IsAccepted()
    {
        Assert.NotNull(await _authenticator.AuthenticateAsync(null, "  bearer " + _pki.AdminToken + " ", CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_SeveralSpacesBeforeTheToken_IsRejectedAsUpstream()
    {
        // Upstream splits on single spaces: the token part is empty, and the header is ignored.
        Assert.Null(await _authenticator.AuthenticateAsync(null, "bearer   " + _pki.AdminToken, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_ForeignCertificateWithAdminToken_FallsBackToTheToken()
    {
        using var forged = TestCertificates.FromForeignCa("CN=mallory");

        var user = await _authenticator.AuthenticateAsync(forged, "Bearer " + _pki.AdminToken, CancellationToken.None);

        Assert.Equal("system:admin", user?.Name);
    }

    [Fact]
    public async Task AuthenticateAsync_ExtraTokenAuthenticator_IsAskedAfterTheAdminToken()
    {
        var node = new StaticTokenAuthenticator("node-secret", UserInfo.Authenticated("system:node:n1", ["system:nodes"]));
        var authenticator = Authenticator.ForCluster(_pki, [node]);

        var user = await authenticator.AuthenticateAsync(null, "Bearer node-secret", CancellationToken.None);

        Assert.Equal("system:node:n1", user?.Name);
        Assert.Equal(["system:nodes", "system:authenticated"], user?.Groups);
    }
}
