using System.CommandLine;
using Timonel.Cli;
using Timonel.Cli.Agent;
using Timonel.Cli.Bench;

var root = new RootCommand("Timonel: a Kubernetes-compatible orchestrator in one binary");
root.Subcommands.Add(ServerCommand.Create());
root.Subcommands.Add(AgentCommand.Create());
root.Subcommands.Add(ImagesCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(DatastoreCommand.Create());
root.Subcommands.Add(SimCommand.Create());
root.Subcommands.Add(KubeconfigCommand.Create());
root.Subcommands.Add(SecretsEncryptCommand.Create());
root.Subcommands.Add(RecommendCommand.Create());
// SIGTERM and Ctrl-C cancel the command's token; the process then waits for the command's own
// ordered stop (Leases released, kubelet and containerd stopped) instead of System.CommandLine's
// default two seconds, after which it would exit and orphan the agent's containerd.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
