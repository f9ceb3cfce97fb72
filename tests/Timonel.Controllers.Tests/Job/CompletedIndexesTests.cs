using Timonel.Controllers.Job;
using Xunit;

namespace Timonel.Controllers.Tests.Job;

public sealed class CompletedIndexesTests
{
    [Theory]
    [InlineData(new int[0], null)]
    [InlineData(new[] { 0, 1, 2, 4 }, "0-2,4")]
    [InlineData(new[] { 5, 3, 1, 2 }, "1-3,5")]
    [InlineData(new[] { 7 }, "7")]
    public void Format_Indexes_CompressesRuns(int[] indexes, string? expected) =>
        Assert.Equal(expected, CompletedIndexes.Format(indexes));

    [Fact]
    public void Parse_Ranges_ExpandsThemBelowCompletions() =>
        Assert.Equal([0, 1, 2, 4, 8], CompletedIndexes.Parse("0-2,4,8-12", 9));

    [Fact]
    public void Parse_Malformed_SkipsBadParts() =>
        Assert.Equal([3], CompletedIndexes.Parse("x,3,-1,2-y", 10));
}
