namespace Timonel.Kubelet;

/// <summary>
/// A node-level loop of the kubelet (image garbage collection, the eviction manager): runs a step
/// now and then every period until cancelled. A step's failure that <c>handled</c> accepts is
/// reported by it and the loop goes on; cancellation ends the loop quietly.
/// </summary>
internal static class NodeLoop
{
    public static async Task RunAsync(Func<CancellationToken, Task> step, TimeSpan period, TimeProvider time, Func<Exception, bool> handled, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await step(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (handled(e))
            {
                // Reported by the handler; the next period tries again.
            }

            try
            {
                await Task.Delay(period, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
