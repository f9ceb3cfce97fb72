using Microsoft.Extensions.Logging;

namespace Timonel.Client.Events;

internal static partial class EventRecorderLog
{
    [LoggerMessage(1, LogLevel.Warning, "Event queue full, dropping events ({Dropped} so far), e.g. {Reason} for {Kind} {Namespace}/{Name}: {Message}")]
    public static partial void Dropped(ILogger logger, long dropped, string reason, string? kind, string? @namespace, string? name, string message);

    [LoggerMessage(2, LogLevel.Warning, "Could not write event {Reason} for {Kind} {Namespace}/{Name}")]
    public static partial void WriteFailed(ILogger logger, string reason, string? kind, string? @namespace, string? name, Exception exception);

    [LoggerMessage(3, LogLevel.Debug, "Event({Kind} {Namespace}/{Name}): type: '{Type}' reason: '{Reason}' {Message}")]
    public static partial void Recorded(ILogger logger, string? kind, string? @namespace, string? name, string type, string reason, string message);
}
