using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ClusterRoleAggregation;

/// <summary>
/// Upstream's clusterrole-aggregation controller: a ClusterRole with an aggregationRule holds the
/// union of the rules of the ClusterRoles its selectors match (admin, edit and view gather every
/// role labelled aggregate-to-admin/edit/view). Any ClusterRole change may change any aggregate,
/// so every change requeues every aggregated role; a role is written only when its union differs.
/// </summary>
public sealed partial class ClusterRoleAggregationController : Controller, IController
{
    private const string Component = "clusterrole-aggregation-controller";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1ClusterRole> _roles;

    public ClusterRoleAggregationController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _roles = context.Informers.Get(ResourceKinds.For<V1ClusterRole>());
        _roles.AddEventHandler(onAdd: _ => EnqueueAggregated(), onUpdate: (_, _) => EnqueueAggregated(), onDelete: _ => EnqueueAggregated());
    }

    string IController.Name => "clusterrole-aggregation";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_roles], cancellationToken);

    /// <summary>
    /// The rules <paramref name="aggregate"/> should hold: those of every other role matching one
    /// of its selectors, selectors in order, matched roles by name, each distinct rule once.
    /// </summary>
    public static List<V1PolicyRule> AggregatedRules(V1ClusterRole aggregate, IEnumerable<V1ClusterRole> roles)
    {
        var all = roles.OrderBy(r => r.Metadata.Name, StringComparer.Ordinal).ToList();
        var rules = new List<V1PolicyRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var selector in aggregate.AggregationRule?.ClusterRoleSelectors ?? [])
        {
            var matcher = ObjectSelectors.From(selector);
            foreach (var role in all.Where(r => r.Metadata.Name != aggregate.Metadata.Name && ObjectSelectors.Matches(matcher, r.Metadata)))
            {
                foreach (var rule in role.Rules ?? [])
                {
                    if (seen.Add(KubernetesJson.Serialize(rule)))
                    {
                        rules.Add(rule);
                    }
                }
            }
        }

        return rules;
    }

    private void EnqueueAggregated()
    {
        foreach (var role in _roles.Cache.List())
        {
            if (role.AggregationRule is not null)
            {
                Enqueue(role);
            }
        }
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (_roles.Cache.Get(key) is not { AggregationRule: not null } aggregate)
        {
            return;
        }

        var rules = AggregatedRules(aggregate, _roles.Cache.List());
        // An empty union and absent rules are the same (upstream's semantic equality).
        if (KubernetesJson.Serialize(rules) == KubernetesJson.Serialize(aggregate.Rules ?? []))
        {
            return;
        }

        var updated = ObjectCopy.DeepCopy(aggregate);
        updated.Rules = rules;
        try
        {
            // Carries the cached resourceVersion: a role changed since is refused (409) and resynced from the fresher cache.
            await _context.Client.RbacAuthorizationV1.ReplaceClusterRoleAsync(updated, aggregate.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return;
        }

        Log.Aggregated(Logger, aggregate.Metadata.Name, rules.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "clusterrole {Name}: aggregated {Count} rules")]
        public static partial void Aggregated(ILogger logger, string name, int count);
    }
}
