namespace Timonel.Testing;

/// <summary>Polls a condition until it holds or a deadline passes; tests of asynchronous loops wait on outcomes, never on sleeps.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            try
            {
                var value = await probe(cancellationToken).ConfigureAwait(false);
                if (value is not null)
                {
                    return value;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = e;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}", last);
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task WaitAsync(Func<CancellationToken, Task<bool>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        await WaitAsync<object>(async ct => await probe(ct).ConfigureAwait(false) ? new object() : null, timeout, what, cancellationToken).ConfigureAwait(false);
    }
}
