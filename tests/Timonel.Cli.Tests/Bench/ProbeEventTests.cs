using System.Text;
using Timonel.Cli.Bench;
using Xunit;

namespace Timonel.Cli.Tests.Bench;

public sealed class ProbeEventTests
{
    // As the server sends it: managedFields name the same annotations (as "f:" keys) after them.
    private const string Modified = """{"type":"MODIFIED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"watch-probe","namespace":"bench-watch-1","uid":"3f1c","resourceVersion":"1234","creationTimestamp":"2026-12-07T14:00:00Z","labels":{"app":"bench"},"annotations":{"other":"x","timonel.dev/bench-seq":"17","timonel.dev/bench-sent":"987654321012"},"managedFields":[{"manager":"timonel","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{"f:timonel.dev/bench-seq":{},"f:timonel.dev/bench-sent":{}}}}}]},"data":{"key":"value"}}}""";

    [Fact]
    public void ReadsTheSequenceAndSendTimeOfAProbeEvent()
    {
        Assert.True(ProbeEvent.TryRead(Encoding.UTF8.GetBytes(Modified), out var sequence, out var sent));
        Assert.Equal(17, sequence);
        Assert.Equal(987654321012L, sent);
    }

    [Fact]
    public void AnnotationsInAnyOrderAndAfterOtherMembersAreFound()
    {
        var line = """{"object":{"data":{"a":{"b":[1,2,{"c":"d"}]}},"metadata":{"annotations":{"timonel.dev/bench-sent":"5","timonel.dev/bench-seq":"0"}}},"type":"ADDED"}""";
        Assert.True(ProbeEvent.TryRead(Encoding.UTF8.GetBytes(line), out var sequence, out var sent));
        Assert.Equal(0, sequence);
        Assert.Equal(5L, sent);
    }

    [Theory]
    // A bookmark: no annotations.
    [InlineData("""{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"12"}}}""")]
    // The keys only in managedFields (the probe before its first update).
    [InlineData("""{"type":"ADDED","object":{"metadata":{"name":"watch-probe","managedFields":[{"fieldsV1":{"f:metadata":{"f:annotations":{"f:timonel.dev/bench-seq":{}}}}}]}}}""")]
    // Only one of the two annotations.
    [InlineData("""{"type":"MODIFIED","object":{"metadata":{"annotations":{"timonel.dev/bench-seq":"3"}}}}""")]
    // Not numbers.
    [InlineData("""{"type":"MODIFIED","object":{"metadata":{"annotations":{"timonel.dev/bench-seq":"3x","timonel.dev/bench-sent":"9"}}}}""")]
    // A line cut short, and one that is not JSON.
    [InlineData("""{"type":"MODIFIED","object":{"metadata":{"annotations":{"timonel.dev/bench-seq":"3","timonel.dev/bench-se""")]
    [InlineData("not json")]
    [InlineData("")]
    public void OtherLinesAreNotProbeEvents(string line)
    {
        Assert.False(ProbeEvent.TryRead(Encoding.UTF8.GetBytes(line), out _, out _));
    }

    [Fact]
    public void TheSameLineWithTheAnnotationsIsOneTheReaderAccepts()
    {
        // The "only one annotation" case above is refused for the missing key, not for its shape.
        var line = """{"type":"MODIFIED","object":{"metadata":{"annotations":{"timonel.dev/bench-seq":"3","timonel.dev/bench-sent":"9"}}}}""";
        Assert.True(ProbeEvent.TryRead(Encoding.UTF8.GetBytes(line), out var sequence, out _));
        Assert.Equal(3, sequence);
    }
}
