using Timonel.Cli.Bench;
using Xunit;

namespace Timonel.Cli.Tests.Bench;

/// <summary>`bench api --watchers-per-connection`: the connection model of the watch fan-out.</summary>
public sealed class WatchBenchOptionsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public void Validate_WatchersPerConnectionInRange_Accepted(int perConnection)
    {
        new ApiBenchOptions { WatchersPerConnection = perConnection }.Validate();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    public void Validate_WatchersPerConnectionOutOfRange_RefusedNamingTheFlag(int perConnection)
    {
        var error = Assert.Throws<ArgumentException>(() => new ApiBenchOptions { WatchersPerConnection = perConnection }.Validate());
        Assert.Contains("--watchers-per-connection", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_EveryWatcherIsItsOwnClient()
    {
        Assert.Equal(1, new ApiBenchOptions().WatchersPerConnection);
    }
}
