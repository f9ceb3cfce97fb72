using Xunit;

namespace Timonel.ApiServer.Tests.Api;

internal static class ApiAssert
{
    /// <summary>A Status failure with this code and reason, whose message contains every fragment.</summary>
    public static void Failure(ApiResponse response, int code, string reason, params string[] messageFragments)
    {
        Assert.True(response.Code == code, $"expected {code} {reason}, got {response}");
        Assert.Equal("Status", response.Kind);
        Assert.Equal("Failure", ApiResponse.Str(response.Body?["status"]));
        Assert.Equal(reason, response.Reason);
        Assert.Equal(code, (int?)response.Body?["code"]);
        Assert.False(string.IsNullOrWhiteSpace(response.Message), "the Status has no message");
        foreach (var fragment in messageFragments)
        {
            Assert.Contains(fragment, response.Message, StringComparison.Ordinal);
        }
    }

    public static void Code(int code, ApiResponse response) =>
        Assert.True(response.Code == code, $"expected {code}, got {response}");

    /// <summary>Runs a request that must fail and proves the store took no write.</summary>
    public static async Task<ApiResponse> NoWriteAsync(ApiServerFixture fx, Func<Task<ApiResponse>> request)
    {
        var before = await fx.RevisionAsync();
        var response = await request();
        Assert.Equal(before, await fx.RevisionAsync());
        return response;
    }
}
