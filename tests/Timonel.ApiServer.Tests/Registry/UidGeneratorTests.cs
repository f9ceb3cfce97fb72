using Timonel.ApiServer.Registry;
using Xunit;

namespace Timonel.ApiServer.Tests.Registry;

public sealed class UidGeneratorTests
{
    [Fact]
    public void Next_ManyAcrossRefills_AreDistinctVersion4Uuids()
    {
        var uids = new UidGenerator();

        var all = Enumerable.Range(0, 1000).Select(_ => uids.Next()).ToList();

        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, u =>
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", u);
        });
    }
}
