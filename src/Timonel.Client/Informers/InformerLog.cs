using Microsoft.Extensions.Logging;

namespace Timonel.Client.Informers;

internal static partial class InformerLog
{
    [LoggerMessage(1, LogLevel.Debug, "Informer {Kind}: listed {Count} objects at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string kind, int count, string resourceVersion);

    [LoggerMessage(2, LogLevel.Information, "Informer {Kind}: watch from resourceVersion {ResourceVersion} expired, relisting")]
    public static partial void Expired(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(3, LogLevel.Warning, "Informer {Kind}: list/watch failed, retrying in {Delay}")]
    public static partial void Failed(ILogger logger, string kind, TimeSpan delay, Exception exception);

    [LoggerMessage(4, LogLevel.Error, "Informer {Kind}: event handler threw")]
    public static partial void HandlerFailed(ILogger logger, string kind, Exception exception);
}
