using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Health;

/// <summary>The /version document: the Kubernetes version Timonel serves.</summary>
internal static class ServerInfo
{
    public const string Major = "1";
    public const string Minor = "33";
    public const string GitVersion = "v1.33.0+timonel";

    public static JsonObject Version() => new()
    {
        ["major"] = Major,
        ["minor"] = Minor,
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-11-23T00:00:00Z",
        ["goVersion"] = $"dotnet{Environment.Version}",
        ["compiler"] = "roslyn",
        ["platform"] = $"linux/{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch { "x64" => "amd64", var a => a }}",
    };
}
