namespace Timonel.Kubelet.Pods;

/// <summary>
/// The node's image pulls (upstream's --serialize-image-pulls): serialized, one pull runs at a
/// time and the others wait their turn (the default, as upstream); otherwise all run at once.
/// </summary>
public sealed class ImagePullQueue
{
    private readonly SemaphoreSlim? _turn;

    public ImagePullQueue(bool serialize)
    {
        _turn = serialize ? new SemaphoreSlim(1, 1) : null;
    }

    public bool Serialized => _turn is not null;

    /// <summary>Waits for this pull's turn; dispose the result when the pull ends.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_turn is null)
        {
            return Turn.None;
        }

        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(_turn);
    }

    private sealed class Turn(SemaphoreSlim? turn) : IDisposable
    {
        public static readonly Turn None = new(null);
        private SemaphoreSlim? _turn = turn;

        public void Dispose() => Interlocked.Exchange(ref _turn, null)?.Release();
    }
}
