using System.CommandLine;
using k8s;
using k8s.Autorest;
using Timonel.Simulator;

namespace Timonel.Cli;

/// <summary>`timonel sim nodes`: creates Node objects that the server's node simulator plays the kubelet for.</summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "How many nodes to create", DefaultValueFactory = _ => 1 };
        var prefix = new Option<string>("--name-prefix") { Description = "Node names are <prefix><index>", DefaultValueFactory = _ => "sim-" };
        var cpu = new Option<string>("--cpu") { Description = "CPU capacity of each node", DefaultValueFactory = _ => "32" };
        var memory = new Option<string>("--memory") { Description = "Memory capacity of each node", DefaultValueFactory = _ => "256Gi" };
        var pods = new Option<string>("--pods") { Description = "Pod capacity of each node", DefaultValueFactory = _ => "110" };
        var labels = new Option<string?>("--labels") { Description = "Extra labels, k=v,k2=v2" };
        var taints = new Option<string?>("--taints") { Description = "Taints, key=value:Effect,..." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig of the cluster (default $KUBECONFIG, else the server's default data dir)" };

        var nodes = new Command("nodes", "Create simulated nodes (labelled timonel.dev/simulated=true)");
        foreach (var o in new Option[] { count, prefix, cpu, memory, pods, labels, taints, kubeconfig })
        {
            nodes.Options.Add(o);
        }

        nodes.SetAction(async (parse, ct) =>
        {
            SimulatedNodeTemplate template;
            try
            {
                if (parse.GetValue(count) < 1)
                {
                    throw new ArgumentException("--count must be at least 1");
                }

                template = new SimulatedNodeTemplate
                {
                    Cpu = parse.GetValue(cpu)!,
                    Memory = parse.GetValue(memory)!,
                    Pods = parse.GetValue(pods)!,
                    Labels = SimulatedNodeTemplate.ParseLabels(parse.GetValue(labels)),
                    Taints = SimulatedNodeTemplate.ParseTaints(parse.GetValue(taints)),
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"timonel sim nodes: {e.Message}");
                return 2;
            }

            var path = parse.GetValue(kubeconfig) ?? Environment.GetEnvironmentVariable("KUBECONFIG") ?? Path.Combine(ApiServer.ApiServerOptions.DefaultDataDir(), "kubeconfig.yaml");
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"timonel sim nodes: no kubeconfig at {path}; pass --kubeconfig or set KUBECONFIG");
                return 2;
            }

            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            var names = Enumerable.Range(0, parse.GetValue(count)).Select(i => $"{parse.GetValue(prefix)}{i}");
            var failed = 0;
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (name, c) =>
            {
                try
                {
                    await client.CoreV1.CreateNodeAsync(template.Build(name), cancellationToken: c).ConfigureAwait(false);
                    Console.WriteLine($"node/{name} created");
                }
                catch (HttpOperationException e)
                {
                    Interlocked.Increment(ref failed);
                    Console.Error.WriteLine($"node/{name}: {e.Response.Content}");
                }
            }).ConfigureAwait(false);
            return failed == 0 ? 0 : 1;
        });

        var sim = new Command("sim", "Simulated nodes for tests and scale runs");
        sim.Subcommands.Add(nodes);
        return sim;
    }
}
