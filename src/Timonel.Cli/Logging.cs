using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Timonel.Cli;

/// <summary>Structured logs: one JSON object per line on stderr, each with its component's name (category).</summary>
internal static class Logging
{
    public static ILoggerFactory Create(LogLevel level) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(level);
        b.AddFilter("Microsoft", LogLevel.Warning);
        b.AddJsonConsole(o =>
        {
            o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            o.UseUtcTimestamp = true;
        });
        b.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
