using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Timonel.Client.Informers;

/// <summary>
/// Hands out one informer per (resource, namespace, selectors), so every controller in a process
/// shares one watch and one cache per collection. Informers asked for after <see cref="Start"/> start at once.
/// </summary>
public sealed class SharedInformerFactory : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _defaultResync;
    private readonly Lock _lock = new();
    private readonly Dictionary<(Type Type, string Kind, string Share), ISharedInformer> _informers = [];
    private bool _started;

    /// <param name="client">A <see cref="Kubernetes"/> client; informers list and watch through its HTTP pipeline.</param>
    /// <param name="defaultResync">The resync period of informers whose options name none; null disables resync.</param>
    public SharedInformerFactory(IKubernetes client, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, TimeSpan? defaultResync = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _time = time ?? TimeProvider.System;
        _defaultResync = defaultResync;
    }

    /// <summary>The shared informer for a resource and options (created on first request).</summary>
    public SharedInformer<T> Get<T>(ResourceKind<T> kind, InformerOptions? options = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(kind);
        options ??= new InformerOptions();
        if (options.ResyncPeriod is null && _defaultResync is not null)
        {
            options = options with { ResyncPeriod = _defaultResync };
        }

        var key = (typeof(T), kind.ToString(), options.ShareKey);
        lock (_lock)
        {
            if (_informers.TryGetValue(key, out var existing))
            {
                return (SharedInformer<T>)existing;
            }

            var informer = new SharedInformer<T>(_client, kind, options, _loggerFactory.CreateLogger($"Timonel.Client.Informers.{kind}"), _time);
            _informers.Add(key, informer);
            if (_started)
            {
                informer.Start();
            }

            return informer;
        }
    }

    /// <summary>The shared informer for the resource whose model is <typeparamref name="T"/>, looked up in the API catalog.</summary>
    public SharedInformer<T> Get<T>(InformerOptions? options = null)
        where T : class, IKubernetesObject<V1ObjectMeta> => Get(ResourceKinds.For<T>(), options);

    /// <summary>Starts every informer created so far and any created later.</summary>
    public void Start()
    {
        lock (_lock)
        {
            _started = true;
            foreach (var informer in _informers.Values)
            {
                informer.Start();
            }
        }
    }

    /// <summary>Completes once every informer created so far has synced.</summary>
    public Task WaitForCacheSyncAsync(CancellationToken cancellationToken)
    {
        ISharedInformer[] all;
        lock (_lock)
        {
            all = [.. _informers.Values];
        }

        return Task.WhenAll(all.Select(i => i.WaitForSyncAsync(cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        ISharedInformer[] all;
        lock (_lock)
        {
            all = [.. _informers.Values];
            _informers.Clear();
        }

        foreach (var informer in all)
        {
            await informer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
