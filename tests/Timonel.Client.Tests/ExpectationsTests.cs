using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Expectations;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class ExpectationsTests
{
    [Fact]
    public void SatisfiedExpectations_NothingRecorded_True()
    {
        var expectations = new ControllerExpectations(new FakeTimeProvider());
        Assert.True(expectations.SatisfiedExpectations("ns/rs"));
        Assert.Null(expectations.GetExpectations("ns/rs"));
    }

    [Fact]
    public void SatisfiedExpectations_CreationsOutstanding_FalseUntilAllObserved()
    {
        var expectations = new ControllerExpectations(new FakeTimeProvider());
        expectations.ExpectCreations("ns/rs", 2);
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        expectations.CreationObserved("ns/rs");
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        expectations.CreationObserved("ns/rs");
        Assert.True(expectations.SatisfiedExpectations("ns/rs"));
        Assert.Equal((0, 0), expectations.GetExpectations("ns/rs"));
    }

    [Fact]
    public void SatisfiedExpectations_OlderThanFiveMinutes_TrueEvenIfOutstanding()
    {
        var clock = new FakeTimeProvider();
        var expectations = new ControllerExpectations(clock);
        expectations.ExpectDeletions("ns/rs", 3);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(expectations.SatisfiedExpectations("ns/rs"));
    }

    [Fact]
    public void LowerAndRaise_FailedCreates_AdjustOutstandingCounts()
    {
        var expectations = new ControllerExpectations(new FakeTimeProvider());
        expectations.ExpectCreations("k", 5);
        expectations.LowerExpectations("k", 3, 0);
        expectations.RaiseExpectations("k", 0, 1);
        Assert.Equal((2, 1), expectations.GetExpectations("k"));
        expectations.DeleteExpectations("k");
        Assert.True(expectations.SatisfiedExpectations("k"));
        Assert.Throws<ArgumentOutOfRangeException>(() => expectations.ExpectCreations("k", -1));
    }

    [Fact]
    public void UidTracking_SameDeletionObservedTwice_CountedOnce()
    {
        var expectations = new UidTrackingExpectations(new FakeTimeProvider());
        expectations.ExpectDeletions("ns/rs", ["ns/p1", "ns/p2"]);
        expectations.DeletionObserved("ns/rs", "ns/p1");
        expectations.DeletionObserved("ns/rs", "ns/p1");
        expectations.DeletionObserved("ns/rs", "ns/unrelated");
        Assert.False(expectations.SatisfiedExpectations("ns/rs"));
        expectations.DeletionObserved("ns/rs", "ns/p2");
        Assert.True(expectations.SatisfiedExpectations("ns/rs"));
    }
}
