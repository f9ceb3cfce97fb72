using System.Net;
using Timonel.Testing;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class ConnectRetryHandlerTests
{
    [Fact]
    public async Task Send_HandshakeCutOffOnce_RetriesAndSucceeds()
    {
        var inner = new ScriptedHandler(new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established", new IOException("unexpected EOF")));
        using var client = new HttpClient(new ConnectRetryHandler { InnerHandler = inner });

        using var response = await client.PostAsync(new Uri("https://127.0.0.1:1/api/v1/namespaces"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task Send_FailureAfterTheRequestWasSent_IsNotRetried()
    {
        var inner = new ScriptedHandler(new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely"));
        using var client = new HttpClient(new ConnectRetryHandler { InnerHandler = inner });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(new Uri("https://127.0.0.1:1/api/v1/namespaces"), new StringContent("{}")));

        Assert.Equal(HttpRequestError.ResponseEnded, error.HttpRequestError);
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task Send_ConnectionNeverEstablished_GivesUpAfterThreeAttempts()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused");
        var inner = new ScriptedHandler(refused, refused, refused, refused);
        using var client = new HttpClient(new ConnectRetryHandler { InnerHandler = inner });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("https://127.0.0.1:1/api")));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Equal(3, inner.Calls);
    }

    /// <summary>Throws the given failures in order, then answers 201.</summary>
    private sealed class ScriptedHandler(params Exception[] failures) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Calls++;
            return call < failures.Length
                ? Task.FromException<HttpResponseMessage>(failures[call])
                : Task.FromResult(new HttpResponseMessage(HttpStatusCode.Created));
        }
    }
}
