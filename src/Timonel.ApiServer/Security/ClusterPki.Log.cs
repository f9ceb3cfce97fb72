using Microsoft.Extensions.Logging;

namespace Timonel.ApiServer.Security;

public sealed partial class ClusterPki
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Generated {What} in {Path}")]
        public static partial void Generated(ILogger logger, string what, string path);

        [LoggerMessage(2, LogLevel.Information, "Issued the {What} certificate {Path} because {Reason}")]
        public static partial void Issued(ILogger logger, string what, string path, string reason);

        [LoggerMessage(3, LogLevel.Debug, "Cluster PKI in {Dir} ready in {Milliseconds:F1} ms")]
        public static partial void Ready(ILogger logger, string dir, double milliseconds);
    }
}
