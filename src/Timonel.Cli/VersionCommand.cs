using System.CommandLine;

namespace Timonel.Cli;

/// <summary>`timonel version`: the Kubernetes version served and the build.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the Timonel version");
        command.SetAction(_ =>
        {
            Console.WriteLine($"timonel {typeof(VersionCommand).Assembly.GetName().Version} (Kubernetes v1.33 API)");
            return 0;
        });
        return command;
    }
}
