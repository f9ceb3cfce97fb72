using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// The cluster's RBAC objects at one moment, indexed for authorization: every binding's role
/// reference resolved to its rules once, and the bindings listed under each subject (a user
/// name, a group; a ServiceAccount subject is its user name), so finding what a request's user
/// holds costs a few dictionary lookups. Immutable: a change to any RBAC object builds a new
/// one, which also drops the per-identity answers kept here.
/// Order is upstream's (DefaultRuleResolver.VisitRulesFor): ClusterRoleBindings first, then the
/// RoleBindings of the request's namespace, each by name.
/// </summary>
internal sealed class RbacPolicy
{
    /// <summary>Identities (user, groups, namespace) whose resolved rules are kept per snapshot; beyond it they are resolved per request.</summary>
    public const int MaxCachedIdentities = 4096;

    private const string UserKind = "User";
    private const string GroupKind = "Group";
    private const string ServiceAccountKind = "ServiceAccount";

    private readonly Scope _cluster;
    private readonly Dictionary<string, Scope> _namespaces;
    private readonly Dictionary<string, IReadOnlyList<PolicyRule>> _clusterRoles;
    private readonly Dictionary<(string Namespace, string Name), IReadOnlyList<PolicyRule>> _roles;
    private readonly ConcurrentDictionary<string, ResolvedRules> _resolved = new(StringComparer.Ordinal);

    private RbacPolicy(Scope cluster, Dictionary<string, Scope> namespaces, Dictionary<string, IReadOnlyList<PolicyRule>> clusterRoles, Dictionary<(string, string), IReadOnlyList<PolicyRule>> roles)
    {
        _cluster = cluster;
        _namespaces = namespaces;
        _clusterRoles = clusterRoles;
        _roles = roles;
    }

    public static RbacPolicy Empty { get; } = Build([], [], [], []);

    /// <summary>Indexes the objects; one that is malformed grants nothing and never fails the build.</summary>
    public static RbacPolicy Build(IEnumerable<JsonObject> roles, IEnumerable<JsonObject> roleBindings, IEnumerable<JsonObject> clusterRoles, IEnumerable<JsonObject> clusterRoleBindings)
    {
        var clusterRoleRules = new Dictionary<string, IReadOnlyList<PolicyRule>>(StringComparer.Ordinal);
        foreach (var role in clusterRoles)
        {
            if (ObjectMetaAccess.Name(role) is { Length: > 0 } name)
            {
                clusterRoleRules[name] = PolicyRule.ListFrom(role["rules"]);
            }
        }

        var roleRules = new Dictionary<(string, string), IReadOnlyList<PolicyRule>>();
        foreach (var role in roles)
        {
            if (ObjectMetaAccess.Name(role) is { Length: > 0 } name && ObjectMetaAccess.Namespace(role) is { Length: > 0 } ns)
            {
                roleRules[(ns, name)] = PolicyRule.ListFrom(role["rules"]);
            }
        }

        var cluster = new ScopeBuilder();
        foreach (var binding in clusterRoleBindings.OrderBy(b => ObjectMetaAccess.Name(b), StringComparer.Ordinal))
        {
            cluster.Add(binding, "", Resolve(binding, "", clusterRoleRules, roleRules));
        }

        var namespaces = new Dictionary<string, ScopeBuilder>(StringComparer.Ordinal);
        foreach (var binding in roleBindings.OrderBy(b => ObjectMetaAccess.Name(b), StringComparer.Ordinal))
        {
            if (ObjectMetaAccess.Namespace(binding) is not { Length: > 0 } ns)
            {
                continue;
            }

            if (!namespaces.TryGetValue(ns, out var scope))
            {
                scope = new ScopeBuilder();
                namespaces[ns] = scope;
            }

            scope.Add(binding, ns, Resolve(binding, ns, clusterRoleRules, roleRules));
        }

        return new RbacPolicy(cluster.Build(), namespaces.ToDictionary(kv => kv.Key, kv => kv.Value.Build(), StringComparer.Ordinal), clusterRoleRules, roleRules);
    }

    /// <summary>
    /// Every rule <paramref name="user"/> holds in <paramref name="ns"/> ("" for cluster scope:
    /// ClusterRoleBindings only), and the errors met resolving them (a binding to a missing role).
    /// </summary>
    public ResolvedRules RulesFor(UserInfo user, string ns)
    {
        var key = IdentityKey(user, ns);
        if (_resolved.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var rules = new List<PolicyRule>();
        var errors = new List<string>();
        _cluster.Collect(user, rules, errors);
        if (ns.Length > 0 && _namespaces.TryGetValue(ns, out var scope))
        {
            scope.Collect(user, rules, errors);
        }

        var resolved = new ResolvedRules(rules, errors);
        // Bounded: a stream of distinct identities cannot grow it without limit.
        if (_resolved.Count < MaxCachedIdentities)
        {
            _resolved.TryAdd(key, resolved);
        }

        return resolved;
    }

    /// <summary>
    /// The rules a binding's roleRef names (upstream's GetRoleReferenceRules): a Role in
    /// <paramref name="bindingNamespace"/>, or a ClusterRole. Null with the kind and resource of
    /// what is missing when it does not exist; an unknown kind also answers null with resource "".
    /// </summary>
    public (IReadOnlyList<PolicyRule>? Rules, string MissingResource) RoleReference(string kind, string name, string bindingNamespace) => kind switch
    {
        "ClusterRole" => _clusterRoles.TryGetValue(name, out var rules) ? (rules, "") : (null, "clusterroles"),
        "Role" => _roles.TryGetValue((bindingNamespace, name), out var rules) ? (rules, "") : (null, "roles"),
        _ => (null, ""),
    };

    private static string IdentityKey(UserInfo user, string ns)
    {
        // NUL cannot appear in a user or group name that reaches here from a certificate, a
        // token or an impersonation header, so the parts cannot run into each other.
        var length = user.Name.Length + ns.Length + 2;
        foreach (var g in user.Groups)
        {
            length += g.Length + 1;
        }

        return string.Create(length, (user, ns), static (span, state) =>
        {
            var at = 0;
            Put(span, ref at, state.ns);
            Put(span, ref at, state.user.Name);
            foreach (var g in state.user.Groups)
            {
                Put(span, ref at, g);
            }
        });

        static void Put(Span<char> span, ref int at, string part)
        {
            part.CopyTo(span[at..]);
            at += part.Length;
            span[at++] = '\0';
        }
    }

    private static Grant Resolve(JsonObject binding, string ns, Dictionary<string, IReadOnlyList<PolicyRule>> clusterRoles, Dictionary<(string, string), IReadOnlyList<PolicyRule>> roles)
    {
        var kind = binding.Obj("roleRef").Str("kind") ?? "";
        var name = binding.Obj("roleRef").Str("name") ?? "";
        return kind switch
        {
            // The listers' NotFound errors (singular resource), as upstream's authorizer reports them.
            "ClusterRole" => clusterRoles.TryGetValue(name, out var rules) ? new Grant(rules, null) : new Grant([], $"clusterrole.rbac.authorization.k8s.io \"{name}\" not found"),
            "Role" => ns.Length > 0 && roles.TryGetValue((ns, name), out var rules) ? new Grant(rules, null) : new Grant([], $"role.rbac.authorization.k8s.io \"{name}\" not found"),
            _ => new Grant([], $"unsupported role reference kind: {PolicyRule.GoQuote(kind)}"),
        };
    }

    private sealed record Grant(IReadOnlyList<PolicyRule> Rules, string? Error);

    /// <summary>The bindings of one scope (cluster, or one namespace) and, per subject key, which of them name it.</summary>
    private sealed class Scope(Grant[] grants, Dictionary<string, int[]> bySubject)
    {
        public void Collect(UserInfo user, List<PolicyRule> rules, List<string> errors)
        {
            // A binding naming the user twice (as the user and through a group) counts once, in binding order.
            SortedSet<int>? matched = null;
            Match(UserKey(user.Name), ref matched);
            foreach (var group in user.Groups)
            {
                Match(GroupKey(group), ref matched);
            }

            if (matched is null)
            {
                return;
            }

            foreach (var i in matched)
            {
                if (grants[i].Error is { } error)
                {
                    errors.Add(error);
                }
                else
                {
                    rules.AddRange(grants[i].Rules);
                }
            }
        }

        private void Match(string key, ref SortedSet<int>? matched)
        {
            if (bySubject.TryGetValue(key, out var ordinals))
            {
                matched ??= [];
                matched.UnionWith(ordinals);
            }
        }
    }

    private sealed class ScopeBuilder
    {
        private readonly List<Grant> _grants = [];
        private readonly Dictionary<string, List<int>> _bySubject = new(StringComparer.Ordinal);

        public void Add(JsonObject binding, string ns, Grant grant)
        {
            var ordinal = _grants.Count;
            var any = false;
            foreach (var subject in binding.Arr("subjects") ?? new JsonArray())
            {
                if (SubjectKey(subject, ns) is not { } key)
                {
                    continue;
                }

                if (!_bySubject.TryGetValue(key, out var list))
                {
                    list = [];
                    _bySubject[key] = list;
                }

                if (list.Count == 0 || list[^1] != ordinal)
                {
                    list.Add(ordinal);
                }

                any = true;
            }

            if (any)
            {
                _grants.Add(grant);
            }
        }

        public Scope Build() => new([.. _grants], _bySubject.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal));

        /// <summary>Upstream's appliesToUser, as a key: a ServiceAccount without a namespace takes the binding's (none for a ClusterRoleBinding: it matches nobody).</summary>
        private static string? SubjectKey(JsonNode? subject, string bindingNamespace)
        {
            var name = subject.Str("name");
            if (name is null)
            {
                return null;
            }

            switch (subject.Str("kind"))
            {
                case UserKind:
                    return UserKey(name);
                case GroupKind:
                    return GroupKey(name);
                case ServiceAccountKind:
                    var ns = subject.Str("namespace") is { Length: > 0 } own ? own : bindingNamespace;
                    return ns.Length == 0 ? null : UserKey($"system:serviceaccount:{ns}:{name}");
                default:
                    return null;
            }
        }
    }

    private static string UserKey(string name) => "u:" + name;

    private static string GroupKey(string name) => "g:" + name;
}

/// <summary>What a user holds in one scope: the rules, in upstream's order, and the resolution errors.</summary>
internal sealed record ResolvedRules(IReadOnlyList<PolicyRule> Rules, IReadOnlyList<string> Errors)
{
    /// <summary>The errors as upstream's utilerrors aggregate prints them: one alone, else [a, b] without repeats.</summary>
    public string ErrorText()
    {
        if (Errors.Count == 0)
        {
            return "";
        }

        if (Errors.Count == 1)
        {
            return Errors[0];
        }

        var distinct = Errors.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }
}
