using Microsoft.Extensions.Time.Testing;
using Timonel.Client.WorkQueues;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class RateLimiterTests
{
    [Fact]
    public void ItemExponential_Failures_DoubleFromBaseAndCapAtMax()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), limiter.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("b"));
        for (var i = 0; i < 100; i++)
        {
            limiter.When("a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), limiter.When("a"));
        Assert.Equal(104, limiter.NumRequeues("a"));
        limiter.Forget("a");
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
    }

    [Fact]
    public void TokenBucket_BurstSpent_FurtherCallsSpreadAtQps()
    {
        var clock = new FakeTimeProvider();
        var limiter = new TokenBucketRateLimiter<string>(10, 100, clock);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, limiter.When($"item-{i}"));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.When("x"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), limiter.When("y"));

        // One second refills ten tokens: the two reserved in debt, then eight free.
        clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(TimeSpan.Zero, limiter.When($"later-{i}"));
        }

        Assert.True(limiter.When("z") > TimeSpan.Zero);
    }

    [Fact]
    public void TokenBucket_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucketRateLimiter<string>(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucketRateLimiter<string>(10, 0));
    }

    [Fact]
    public void DefaultController_ManyItemsAfterBurst_BucketDominatesSmallBackoff()
    {
        var clock = new FakeTimeProvider();
        var limiter = RateLimiters.DefaultController<string>(clock);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When($"item-{i}"));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.When("one-more"));
        Assert.Equal(1, limiter.NumRequeues("one-more"));
    }
}
