using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Etcd;

internal static partial class EtcdStoreLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "etcd store connected to {Endpoints} (etcd {Version}, revision {Revision})")]
    public static partial void Opened(ILogger logger, string endpoints, string version, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd compaction failed")]
    public static partial void CompactionFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd watch on {Prefix} lost its stream after revision {Revision}; reconnecting: {Reason}")]
    public static partial void WatchReconnecting(ILogger logger, string prefix, long revision, string reason);
}
