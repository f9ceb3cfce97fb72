using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Timonel.Api.Serialization;

namespace Timonel.ApiServer.Audit;

/// <summary>
/// Upstream's log backend (--audit-log-path): one JSON audit event per line, appended by a
/// background writer so a slow disk never holds up a request. When the buffer is full, new
/// events are dropped and counted (upstream's blocking mode would stall the API instead).
/// </summary>
public sealed partial class AuditLogFile : IAuditSink, IAsyncDisposable
{
    /// <summary>Events that may wait to be written.</summary>
    public const int Capacity = 10_000;

    private readonly Channel<AuditEvent> _queue = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly string _path;
    private readonly ILogger _log;
    private readonly AuditLogRotation? _rotation;
    private readonly TimeProvider _time;
    private readonly Task _writer;
    private FileStream _stream;
    private long _dropped;

    /// <summary>Opens (creates) the file now, so that a path that cannot be written stops the server at start with the reason.</summary>
    public AuditLogFile(string path, ILogger log, AuditLogRotation? rotation = null, TimeProvider? time = null)
    {
        _path = path;
        _log = log;
        _rotation = rotation;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        _writer = Task.Run(WriteAllAsync);
    }

    /// <summary>Events dropped because the writer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(AuditEvent auditEvent)
    {
        if (!_queue.Writer.TryWrite(auditEvent))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteAllAsync()
    {
        try
        {
            var line = new StringBuilder();
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var e))
                {
                    line.Clear();
                    line.Append(AuditEventJson.ToJson(e).ToJsonString(GoJsonEncoder.SerializerOptions));
                    line.Append('\n');
                    var bytes = Encoding.UTF8.GetBytes(line.ToString());
                    try
                    {
                        if (_rotation is not null && _stream.Length > 0 && _stream.Length + bytes.Length > _rotation.MaxBytes)
                        {
                            await RotateAsync(_rotation).ConfigureAwait(false);
                        }

                        await _stream.WriteAsync(bytes).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        LogWriteFailed(_path, ex.Message);
                    }
                }

                await _stream.FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RotateAsync(AuditLogRotation rotation)
    {
        await _stream.FlushAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        var now = _time.GetUtcNow();
        try
        {
            File.Move(_path, AuditLogRotation.BackupPath(_path, now));
        }
        finally
        {
            // Whether or not the rename worked, later events need an open file.
            _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        }

        rotation.Prune(_path, now);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "could not write the audit log {Path}: {Reason}")]
    private partial void LogWriteFailed(string path, string reason);
}
