using System.CommandLine;
using Timonel.Cli.Agent;
using Xunit;

namespace Timonel.Cli.Tests;

/// <summary>`--disable-network-policy` as `timonel server` and `timonel agent` parse it.</summary>
public sealed class NetworkPolicyFlagTests
{
    [Theory]
    [InlineData("server", true)]
    [InlineData("agent", true)]
    [InlineData("server", false)]
    [InlineData("agent", false)]
    public void Parse_WithOrWithoutDisableNetworkPolicy_AcceptedAndRead(string command, bool given)
    {
        string[] args = given ? [command, "--disable-network-policy"] : [command];

        var parse = Root().Parse(args);

        Assert.Empty(parse.Errors);
        Assert.Equal(given, parse.GetValue<bool>("--disable-network-policy"));
    }

    [Theory]
    [InlineData("server")]
    [InlineData("agent")]
    public void Parse_MisspelledFlag_Refused(string command)
    {
        // The parser refuses a flag its command lacks: the acceptance above is the command's own flag.
        var parse = Root().Parse([command, "--disable-network-policies"]);

        Assert.Contains(parse.Errors, e => e.Message.Contains("--disable-network-policies", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--disable-network-policy" }, false)]
    [InlineData(new[] { "--disable-network-policy=false" }, true)]
    public void Enabled_FlagValue_SaysWhetherTheNodeEnforcesPolicies(string[] args, bool enabled)
    {
        var flag = new NetworkPolicyFlag();
        var command = new RootCommand();
        flag.AddTo(command);

        var parse = command.Parse(args);

        Assert.Empty(parse.Errors);
        Assert.Equal(enabled, flag.Enabled(parse));
    }

    private static RootCommand Root()
    {
        var root = new RootCommand();
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(AgentCommand.Create());
        return root;
    }
}
