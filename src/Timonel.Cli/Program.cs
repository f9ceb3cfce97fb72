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
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
