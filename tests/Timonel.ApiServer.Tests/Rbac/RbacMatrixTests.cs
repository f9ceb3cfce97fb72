using System.Diagnostics;
using System.Text;
using Timonel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Timonel.ApiServer.Tests.Rbac;

/// <summary>
/// The RBAC matrix (issue 17): six identities, each used from the real kubectl 1.33 the way a
/// user would (the admin kubeconfig's client certificate, user certificates of alice and victor,
/// a pod-bound ServiceAccount token, a node's client certificate, no credentials), plus `--as`
/// rows, against the expected table of <see cref="RbacMatrix.Rows"/>. Every cell runs one
/// kubectl command and is judged by its exit code and stderr (<see cref="RbacMatrix.Judge"/>).
/// </summary>
public sealed class RbacMatrixTests(RbacMatrixFixture fx, ITestOutputHelper output) : IClassFixture<RbacMatrixFixture>
{
    private const int Parallelism = 6;

    private sealed record Identity(string Key, string Kubeconfig, string[] Extra, string? Column, IReadOnlyCollection<string>? Kinds);

    private IEnumerable<Identity> Identities() =>
    [
        new("admin", fx.AdminKubeconfig, [], "admin", null),
        new("alice", fx.AliceKubeconfig, [], "alice", null),
        new("victor", fx.VictorKubeconfig, [], "victor", null),
        new("sa", fx.ServiceAccountKubeconfig, [], "sa", null),
        new("node", fx.NodeKubeconfig, [], "node", null),
        new("anon", fx.AnonymousKubeconfig, [], "anon", null),

        // The admin impersonating alice gets alice's answers; alice may not impersonate victor at all.
        new("admin-as-alice", fx.AdminKubeconfig, ["--as=alice"], "alice", RbacMatrix.ImpersonatedKinds),
        new("alice-as-victor", fx.AliceKubeconfig, ["--as=victor"], null, RbacMatrix.ImpersonatedKinds),
    ];

    /// <summary>Every cell, with its manifest (if any) written to a file for -f.</summary>
    private List<MatrixCell> Cells()
    {
        var cells = new List<MatrixCell>();
        foreach (var identity in Identities())
        {
            foreach (var (row, index) in RbacMatrix.Rows.Select((r, i) => (r, i)).Where(r => identity.Kinds is null || identity.Kinds.Contains(r.r.Kind)))
            {
                var expected = identity.Column is { } column ? RbacMatrix.Expected(row, column) : Outcome.Forbidden;
                var args = RbacMatrix.Arguments(row.Command, fx.A, fx.B, identity.Key, fx.P1Uid);
                if (row.Stdin is not null)
                {
                    var manifest = Path.Combine(fx.Dir, $"{identity.Key}-{index}.json");
                    File.WriteAllText(manifest, row.Stdin == "{csr}" ? RbacMatrixFixture.CsrJson("csr-" + identity.Key) : RbacMatrix.Fill(row.Stdin, fx.A, fx.B, identity.Key));
                    args = [.. args.Select(a => a == "-" ? manifest : a)];
                }

                cells.Add(new MatrixCell(identity.Key, row, expected, [.. args, .. identity.Extra], null));
            }
        }

        return cells;
    }

    [Fact]
    public async Task Matrix_EveryIdentityVerbAndKind_MatchesUpstreamTable()
    {
        await fx.InitializeWorldAsync();
        var identities = Identities().ToDictionary(i => i.Key);
        var cells = Cells();
        var clock = Stopwatch.StartNew();

        using var gate = new SemaphoreSlim(Parallelism);
        var results = await Task.WhenAll(cells.Select(async cell =>
        {
            await gate.WaitAsync();
            try
            {
                var started = Stopwatch.GetTimestamp();
                var run = await fx.Kubectl(identities[cell.Identity].Kubeconfig).RunAsync(cell.Args, cell.Stdin, TimeSpan.FromSeconds(30));
                return (Cell: cell, Run: run, Got: RbacMatrix.Judge(run, cell.Row.Judging), Took: Stopwatch.GetElapsedTime(started));
            }
            finally
            {
                gate.Release();
            }
        }));

        output.WriteLine($"{cells.Count} cells, {cells.Select(c => c.Row.Kind).Distinct().Count()} kinds, {identities.Count} identities in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var slow in results.OrderByDescending(r => r.Took).Take(5))
        {
            output.WriteLine($"  slow: {slow.Took.TotalSeconds:F2} s {slow.Cell.Identity} kubectl {string.Join(' ', slow.Cell.Args)}");
        }

        output.WriteLine($"  median: {results.Select(r => r.Took).Order().ElementAt(results.Length / 2).TotalSeconds:F2} s");
        var wrong = results.Where(r => r.Got != r.Cell.Expected).ToList();
        var report = new StringBuilder();
        foreach (var (cell, run, got, _) in wrong)
        {
            report.Append($"{cell.Identity,-16} {cell.Row.Kind,-24} {cell.Row.Verb,-8} expected {cell.Expected,-12} got {got,-12} kubectl {string.Join(' ', cell.Args)}\n")
                .Append("    exit ").Append(run.ExitCode).Append(": ").Append(Short(run.Stderr.Length > 0 ? run.Stderr : run.Stdout)).Append('\n');
        }

        // No assertion on the time: it is printed; on a shared, loaded machine it says little.
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {cells.Count} cells wrong:\n{report}");
    }

    [Fact]
    public async Task Matrix_CoversSixIdentitiesFifteenKindsTwoVerbsEach()
    {
        await fx.InitializeWorldAsync();
        var kinds = RbacMatrix.Rows.GroupBy(r => r.Kind).ToList();

        Assert.True(kinds.Count >= 15, $"{kinds.Count} kinds");
        Assert.All(kinds, k => Assert.True(k.Select(r => r.Verb).Distinct().Count() >= 2, $"{k.Key} has fewer than 2 verbs"));
        Assert.All(RbacMatrix.Rows, r => Assert.Equal(RbacMatrix.Columns.Length, r.Expect.Split(' ').Length));
        Assert.Equal(RbacMatrix.Columns, Identities().Take(6).Select(i => i.Key));
        foreach (var kind in new[] { "secrets", "pods/exec", "nodes/proxy", "roles", "rolebindings", "clusterroles", "clusterrolebindings", "certificatesigningrequests", "certificatesigningrequests/approval", "impersonation" })
        {
            Assert.Contains(kind, kinds.Select(k => k.Key));
        }
    }

    /// <summary>The allowed creates really wrote their objects (an exit 0 that wrote nothing would be judged allowed).</summary>
    [Fact]
    public async Task Matrix_AllowedWrites_ReallyHappened_DeniedOnesDidNot()
    {
        await fx.InitializeWorldAsync();
        var admin = fx.Kubectl(fx.AdminKubeconfig);
        var alice = fx.Kubectl(fx.AliceKubeconfig);

        Assert.Equal(0, (await alice.RunAsync("create", "configmap", "cm-written", "-n", fx.A, "--from-literal=k=v")).ExitCode);
        var victor = await fx.Kubectl(fx.VictorKubeconfig).RunAsync("create", "configmap", "cm-not-written", "-n", fx.A, "--from-literal=k=v");

        Assert.Equal(Outcome.Forbidden, RbacMatrix.Judge(victor, Judging.Exit));
        Assert.Equal(0, (await admin.RunAsync("get", "configmap", "cm-written", "-n", fx.A)).ExitCode);
        var missing = await admin.RunAsync("get", "configmap", "cm-not-written", "-n", fx.A);
        Assert.Contains("(NotFound)", missing.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Upstream's 403 message, word for word, for a list and a get refused by RBAC.</summary>
    [Fact]
    public async Task Forbidden_UpstreamMessage()
    {
        await fx.InitializeWorldAsync();

        var list = await fx.Kubectl(fx.AliceKubeconfig).RunAsync("get", "secrets", "-n", fx.B);
        var get = await fx.Kubectl(fx.VictorKubeconfig).RunAsync("get", "secret", "s1", "-n", fx.A);
        var impersonate = await fx.Kubectl(fx.AliceKubeconfig).RunAsync("get", "configmaps", "-n", fx.A, "--as=victor");

        Assert.Equal($"Error from server (Forbidden): secrets is forbidden: User \"alice\" cannot list resource \"secrets\" in API group \"\" in the namespace \"{fx.B}\"", list.Stderr.Trim());
        Assert.Equal($"Error from server (Forbidden): secrets \"s1\" is forbidden: User \"victor\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{fx.A}\"", get.Stderr.Trim());
        Assert.Equal("Error from server (Forbidden): users \"victor\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", impersonate.Stderr.Trim());
    }

    [Theory]
    [InlineData(0, "pod/p1 labeled\n", "", Judging.Exit, Outcome.Allowed)]
    [InlineData(1, "", "Error from server (Forbidden): pods \"p1\" is forbidden: User \"victor\" cannot patch resource \"pods\"", Judging.Exit, Outcome.Forbidden)]
    [InlineData(1, "", "error: You must be logged in to the server (Unauthorized)", Judging.Exit, Outcome.Unauthorized)]
    [InlineData(1, "", "error: failed to create configmap: Unauthorized", Judging.Exit, Outcome.Unauthorized)]
    [InlineData(1, "", "error: failed to create secret secrets is forbidden: User \"victor\" cannot create resource \"secrets\"", Judging.Exit, Outcome.Forbidden)]
    [InlineData(1, "", "Error from server (NotFound): pods \"p1\" not found", Judging.Exit, Outcome.Failed)]
    [InlineData(1, "", "Error from server (Invalid): bad", Judging.Exit, Outcome.Failed)]
    [InlineData(0, "yes\n", "", Judging.CanI, Outcome.Allowed)]
    [InlineData(1, "no\n", "", Judging.CanI, Outcome.Forbidden)]
    [InlineData(1, "", "error: You must be logged in to the server (Unauthorized)", Judging.CanI, Outcome.Unauthorized)]
    [InlineData(0, "no\n", "", Judging.CanI, Outcome.Failed)]
    [InlineData(1, "", "Error from server (InternalError): connections to 192.0.2.1 (192.0.2.1) are not allowed from this server", Judging.ReachesNode, Outcome.Allowed)]
    [InlineData(1, "", "Error from server (InternalError): connections to 192.0.2.1 (192.0.2.1) are not allowed from this server", Judging.Exit, Outcome.Failed)]
    [InlineData(1, "", "Error from server (NotFound): pods \"p1\" not found", Judging.ReachesNode, Outcome.Failed)]
    [InlineData(1, "", "Error from server (Forbidden): pods \"p1\" is forbidden", Judging.ReachesNode, Outcome.Forbidden)]
    [InlineData(1, "", "Error from server (ServiceUnavailable): error trying to reach service: connections to 192.0.2.101 (192.0.2.101) are not allowed from this server (pod \"p1\" port 8080 at 192.0.2.101:8080)", Judging.ReachesNode, Outcome.Allowed)]
    [InlineData(1, "", "Error from server (NotFound): the server could not find the requested resource: nodes has no subresource \"proxy/healthz\"", Judging.ReachesNode, Outcome.Failed)]
    [InlineData(1, "", "error: EOF", Judging.ReachesNode, Outcome.Failed)]
    [InlineData(1, "", "Warning: resource 'nodes' is not namespace scoped\n", Judging.CanI, Outcome.Failed)]
    [InlineData(1, "no\n", "Warning: resource 'nodes' is not namespace scoped\n", Judging.CanI, Outcome.Forbidden)]
    public void Judge_KubectlRun_Outcome(int exit, string stdout, string stderr, Judging judging, Outcome expected) =>
        Assert.Equal(expected, RbacMatrix.Judge(new KubectlRun(exit, stdout, stderr), judging));

    /// <summary>A wrongly expected cell is caught: the same judging reports it as wrong.</summary>
    [Fact]
    public void Expected_WrongLetter_IsDetectedAsWrongCell()
    {
        var row = new MatrixRow("secrets", "get", "get secret s1 -n {A}", "A A A D A U");
        var forbiddenRun = new KubectlRun(1, "", "Error from server (Forbidden): secrets \"s1\" is forbidden: User \"victor\" cannot get resource \"secrets\"");

        Assert.NotEqual(RbacMatrix.Expected(row, "victor"), RbacMatrix.Judge(forbiddenRun, row.Judging));
        Assert.Equal(Outcome.Forbidden, RbacMatrix.Expected(row, "sa"));
        Assert.Equal(Outcome.Unauthorized, RbacMatrix.Expected(row, "anon"));
        Assert.Throws<ArgumentException>(() => RbacMatrix.Expected(row with { Expect = "A A" }, "admin"));
    }

    /// <summary>
    /// What kubectl sends with no credentials at all: nothing, it asks for a username and password
    /// instead (and fails without a terminal); the server lets such a request in as system:anonymous
    /// only on the health and version endpoints (granted by system:public-info-viewer), 401 elsewhere.
    /// </summary>
    [Fact]
    public async Task Anonymous_NoCredentials_KubectlPrompts_Server401ButForHealthAndVersion()
    {
        await fx.InitializeWorldAsync();

        var run = await fx.Kubectl(fx.NoUserKubeconfig).RunAsync("get", "--raw", "/version");
        using var bare = new Api.ApiClient(fx.Host.Url, fx.Host.Pki.ServerCaPem, "");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Please enter Username", run.Stdout, StringComparison.Ordinal);
        foreach (var path in new[] { "/version", "/healthz", "/livez", "/readyz" })
        {
            Api.ApiAssert.Code(200, await bare.SendAsync(HttpMethod.Get, path, authenticate: false));
        }

        foreach (var path in new[] { "/api", "/metrics", "/version/", "/healthz/etcd", $"/api/v1/namespaces/{fx.A}/pods", "/apis/rbac.authorization.k8s.io/v1/clusterroles" })
        {
            var answer = await bare.SendAsync(HttpMethod.Get, path, authenticate: false);
            Api.ApiAssert.Failure(answer, 401, "Unauthorized");
        }

        // A token that fails is 401 on the anonymous paths too: anonymous is for no credentials only.
        using var badToken = new Api.ApiClient(fx.Host.Url, fx.Host.Pki.ServerCaPem, "not-a-valid-token");
        Api.ApiAssert.Failure(await badToken.GetAsync("/version"), 401, "Unauthorized");
    }

    private static string Short(string text) => text.Length > 400 ? text[..400] + "…" : text.TrimEnd();
}
