using System.CommandLine;
using Timonel.Cli;

var root = new RootCommand("Timonel: a Kubernetes-compatible orchestrator in one binary");
root.Subcommands.Add(ServerCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
