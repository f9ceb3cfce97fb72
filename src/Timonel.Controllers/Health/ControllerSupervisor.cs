using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.Health;

/// <summary>
/// Runs one controller and keeps its health check: healthy while its loop runs; failed when the
/// loop ends or throws before the manager stops it; no check at all when RunAsync returns at
/// once (a controller with nothing to do here, e.g. no CA or no signing key, as upstream does
/// not start it).
/// </summary>
public static partial class ControllerSupervisor
{
    public static async Task RunAsync(IController controller, string checkName, ControllerHealth health, ILogger logger, CancellationToken cancellationToken)
    {
        health.Running(checkName);
        Task running;
        try
        {
            running = controller.RunAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Crashed(checkName, health, logger, e);
            return;
        }

        if (running.IsCompletedSuccessfully)
        {
            health.Remove(checkName);
            return;
        }

        try
        {
            await running.ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                health.Failed(checkName, "the controller's loop has stopped");
                Log.Stopped(logger, checkName);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is the normal way out.
        }
        catch (Exception e)
        {
            Crashed(checkName, health, logger, e);
        }
    }

    private static void Crashed(string checkName, ControllerHealth health, ILogger logger, Exception e)
    {
        health.Failed(checkName, $"the controller crashed: {e.Message}");
        Log.Crashed(logger, checkName, e);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "controller {Controller} stopped while the manager runs")]
        public static partial void Stopped(ILogger logger, string controller);

        [LoggerMessage(Level = LogLevel.Error, Message = "controller {Controller} crashed")]
        public static partial void Crashed(ILogger logger, string controller, Exception error);
    }
}
