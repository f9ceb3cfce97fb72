using System.Buffers;
using System.Text;
using Timonel.Client.Informers;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class WatchLineTests
{
    [Fact]
    public void TakeLine_NewlineInALaterSegment_ReturnsTheWholeLineAndKeepsTheRest()
    {
        var buffer = Sequence("{\"type\":", "\"ADDED\"}\n{\"ty");

        Assert.True(ListWatchClient<k8s.Models.V1Pod>.TakeLine(ref buffer, out var line));

        Assert.Equal("{\"type\":\"ADDED\"}", Text(line));
        Assert.Equal("{\"ty", Text(buffer));
        Assert.False(ListWatchClient<k8s.Models.V1Pod>.TakeLine(ref buffer, out _));
        Assert.Equal("{\"ty", Text(buffer));
    }

    [Fact]
    public void TakeLine_CrLfAndEmptyLines_StripsTheCarriageReturnAndYieldsEmptyLines()
    {
        var buffer = Sequence("a\r\n", "\nb\n");

        Assert.True(ListWatchClient<k8s.Models.V1Pod>.TakeLine(ref buffer, out var first));
        Assert.True(ListWatchClient<k8s.Models.V1Pod>.TakeLine(ref buffer, out var empty));
        Assert.True(ListWatchClient<k8s.Models.V1Pod>.TakeLine(ref buffer, out var last));

        Assert.Equal("a", Text(first));
        Assert.True(empty.IsEmpty);
        Assert.Equal("b", Text(last));
        Assert.True(buffer.IsEmpty);
    }

    private static string Text(ReadOnlySequence<byte> bytes) => Encoding.UTF8.GetString(bytes.ToArray());

    private static ReadOnlySequence<byte> Sequence(params string[] parts)
    {
        Segment? first = null, last = null;
        foreach (var part in parts)
        {
            var segment = new Segment(Encoding.UTF8.GetBytes(part), last);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, Segment? previous)
        {
            Memory = bytes;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
