using Microsoft.Extensions.Logging;

namespace Timonel.Client.LeaderElection;

public sealed partial class LeaderElector
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} became leader of lease {Namespace}/{Name}")]
        public static partial void StartedLeading(ILogger logger, string identity, string @namespace, string name);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} stopped leading lease {Namespace}/{Name}")]
        public static partial void StoppedLeading(ILogger logger, string identity, string @namespace, string name);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} could not renew lease {Namespace}/{Name} within the renew deadline; leadership lost (holder now {Holder})")]
        public static partial void LostLeadership(ILogger logger, string identity, string @namespace, string name, string holder);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} released lease {Namespace}/{Name}")]
        public static partial void Released(ILogger logger, string identity, string @namespace, string name);

        [LoggerMessage(Level = LogLevel.Warning, Message = "could not release lease {Namespace}/{Name}; it expires after its duration")]
        public static partial void ReleaseFailed(ILogger logger, string @namespace, string name, Exception error);

        [LoggerMessage(Level = LogLevel.Debug, Message = "attempt on lease {Namespace}/{Name} failed; retrying")]
        public static partial void AttemptFailed(ILogger logger, string @namespace, string name, Exception error);

        [LoggerMessage(Level = LogLevel.Information, Message = "new leader of lease {Namespace}/{Name}: {Holder}")]
        public static partial void NewLeader(ILogger logger, string holder, string @namespace, string name);

        [LoggerMessage(Level = LogLevel.Warning, Message = "the onNewLeader callback threw")]
        public static partial void CallbackFailed(ILogger logger, Exception error);
    }
}
