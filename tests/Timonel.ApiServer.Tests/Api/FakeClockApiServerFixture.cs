using Microsoft.Extensions.Time.Testing;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// An <see cref="ApiServerFixture"/> whose server runs on a clock the tests move (bounded waits,
/// such as for a resourceVersion from the future, pass without sleeping).
/// </summary>
public sealed class FakeClockApiServerFixture : ApiServerFixture
{
    public FakeClockApiServerFixture()
        : this(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
    }

    private FakeClockApiServerFixture(FakeTimeProvider clock)
        : base(clock) => Clock = clock;

    public FakeTimeProvider Clock { get; }

    /// <summary>
    /// Moves the clock in small steps until <paramref name="request"/> completes (at most a minute
    /// of fake time), giving the server a moment of real time after each step to react.
    /// </summary>
    public async Task<T> AdvanceUntilDoneAsync<T>(Task<T> request)
    {
        for (var i = 0; i < 240 && !request.IsCompleted; i++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(request, Task.Delay(20));
        }

        return await request;
    }
}
