namespace Timonel.Client.Tests.LeaderElection;

/// <summary>Records who is running leader work; detects two candidates leading at once.</summary>
internal sealed class LeadershipRecorder
{
    private readonly Lock _lock = new();
    private readonly List<string> _active = [];
    private readonly List<string> _history = [];

    public int MaxConcurrent { get; private set; }

    public IReadOnlyList<string> History
    {
        get
        {
            lock (_lock)
            {
                return [.. _history];
            }
        }
    }

    public string? Current
    {
        get
        {
            lock (_lock)
            {
                return _active.Count == 1 ? _active[0] : null;
            }
        }
    }

    /// <summary>A leader callback that holds the work until its token is cancelled.</summary>
    public Func<CancellationToken, Task> Lead(string identity) => async ct =>
    {
        lock (_lock)
        {
            _active.Add(identity);
            _history.Add(identity);
            MaxConcurrent = Math.Max(MaxConcurrent, _active.Count);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        finally
        {
            lock (_lock)
            {
                _active.Remove(identity);
            }
        }
    };
}
