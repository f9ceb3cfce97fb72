using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>--serialize-image-pulls: one pull at a time, or all at once.</summary>
public sealed class ImagePullQueueTests
{
    [Fact]
    public async Task Serialized_SecondPullWaitsUntilTheFirstEnds()
    {
        var queue = new ImagePullQueue(serialize: true);
        var first = await queue.EnterAsync(CancellationToken.None);

        var second = queue.EnterAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task Parallel_BothPullsRunAtOnce()
    {
        var queue = new ImagePullQueue(serialize: false);
        using var first = await queue.EnterAsync(CancellationToken.None);

        var second = queue.EnterAsync(CancellationToken.None);

        Assert.True(second.IsCompletedSuccessfully);
        (await second).Dispose();
    }

    [Fact]
    public async Task Serialized_TurnReleasedOnce_EvenWhenDisposedTwice()
    {
        var queue = new ImagePullQueue(serialize: true);
        var first = await queue.EnterAsync(CancellationToken.None);
        first.Dispose();
        first.Dispose();

        using var second = await queue.EnterAsync(CancellationToken.None);
        var third = queue.EnterAsync(CancellationToken.None);

        Assert.False(third.IsCompleted);
    }
}
