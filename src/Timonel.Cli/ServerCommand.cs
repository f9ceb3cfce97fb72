using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer;
using Timonel.ApiServer.Admission;
using Timonel.ApiServer.Security;

namespace Timonel.Cli;

/// <summary>`timonel server`: the control plane (and, once the agent exists, a local node).</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory for certificates, kubeconfig and the database (default /var/lib/timonel as root, else ~/.timonel)" };
        var port = new Option<int>("--port") { Description = "HTTPS port of the API server", DefaultValueFactory = _ => 6443 };
        var bind = new Option<string>("--bind-address") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var disableAgent = new Option<bool>("--disable-agent") { Description = "Run only the control plane, no local node agent" };
        var datastore = new Option<string?>("--datastore-endpoint") { Description = "Datastore: empty for embedded SQLite, memory:// for an in-memory store" };
        var serviceCidr = new Option<string>("--service-cidr") { Description = "IPv4 CIDR for Service ClusterIPs", DefaultValueFactory = _ => "10.43.0.0/16" };
        var nodePorts = new Option<string>("--service-node-port-range") { Description = "Port range for NodePort Services", DefaultValueFactory = _ => "30000-32767" };
        var tlsSan = new Option<string[]>("--tls-san") { Description = "Extra DNS names or IPs for the serving certificate", AllowMultipleArgumentsPerToken = true };
        var verbose = new Option<bool>("--debug") { Description = "Log every request" };
        var notReadyToleration = new Option<long>("--default-not-ready-toleration-seconds") { Description = "tolerationSeconds of the not-ready:NoExecute toleration added to pods that have none", DefaultValueFactory = _ => 300 };
        var unreachableToleration = new Option<long>("--default-unreachable-toleration-seconds") { Description = "tolerationSeconds of the unreachable:NoExecute toleration added to pods that have none", DefaultValueFactory = _ => 300 };

        var command = new Command("server", "Run the Timonel control plane");
        foreach (var o in new Option[] { dataDir, port, bind, disableAgent, datastore, serviceCidr, nodePorts, tlsSan, verbose, notReadyToleration, unreachableToleration })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            var log = loggers.CreateLogger("server");
            ApiServerOptions options;
            try
            {
                if (!IPAddress.TryParse(parse.GetValue(bind), out var address))
                {
                    throw new ArgumentException($"--bind-address \"{parse.GetValue(bind)}\" is not an IP address");
                }

                if (parse.GetValue(port) is < 1 or > 65535)
                {
                    throw new ArgumentException($"--port {parse.GetValue(port)} must be between 1 and 65535");
                }

                options = new ApiServerOptions
                {
                    DataDir = Path.GetFullPath(parse.GetValue(dataDir) ?? ApiServerOptions.DefaultDataDir()),
                    Port = parse.GetValue(port),
                    BindAddress = address,
                    ServiceNetwork = ServiceNetwork.Parse(parse.GetValue(serviceCidr)!, parse.GetValue(nodePorts)!),
                    ExtraSans = parse.GetValue(tlsSan) ?? [],
                    DatastoreEndpoint = parse.GetValue(datastore),
                    DefaultNotReadyTolerationSeconds = parse.GetValue(notReadyToleration),
                    DefaultUnreachableTolerationSeconds = parse.GetValue(unreachableToleration),
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"timonel server: {e.Message}");
                return 2;
            }

            try
            {
                await using var host = await ApiServerHost.StartAsync(
                    options,
                    c => StoreFactory.OpenAsync(options.DataDir, options.DatastoreEndpoint, loggers, c),
                    loggers,
                    ct).ConfigureAwait(false);
                await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is PkiFileException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                log.LogCritical("timonel server cannot start: {Reason}", e.Message);
                Console.Error.WriteLine($"timonel server: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
