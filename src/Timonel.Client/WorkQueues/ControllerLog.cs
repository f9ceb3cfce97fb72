using Microsoft.Extensions.Logging;

namespace Timonel.Client.WorkQueues;

internal static partial class ControllerLog
{
    [LoggerMessage(1, LogLevel.Information, "Starting {Controller} with {Workers} workers")]
    public static partial void Starting(ILogger logger, string controller, int workers);

    [LoggerMessage(2, LogLevel.Information, "Stopped {Controller}")]
    public static partial void Stopped(ILogger logger, string controller);

    [LoggerMessage(3, LogLevel.Warning, "{Controller}: sync of {Key} failed (requeue {Requeues}), retrying with backoff")]
    public static partial void SyncFailed(ILogger logger, string controller, string key, int requeues, Exception exception);
}
