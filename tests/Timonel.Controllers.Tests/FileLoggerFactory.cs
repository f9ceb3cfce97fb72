using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.Tests;

/// <summary>
/// For chasing flaky tests: with TIMONEL_TEST_LOG=&lt;file&gt; set, the harness writes every
/// controller and informer log line there (time, thread, level, category).
/// </summary>
internal sealed class FileLoggerFactory(string path) : ILoggerFactory
{
    private readonly Lock _lock = new();

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            File.AppendAllText(path, line + "\n");
        }
    }

    private sealed class FileLogger(FileLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Write($"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} [{Environment.CurrentManagedThreadId}] {logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
    }
}
