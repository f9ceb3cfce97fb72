using Timonel.ApiServer.Security.Rbac;
using Xunit;

namespace Timonel.ApiServer.Tests.Security.Rbac;

/// <summary>Upstream's validation.Covers cases: what one rule set grants that another does not.</summary>
public sealed class RuleCoverageTests
{
    private static PolicyRule R(string[] verbs, string[] groups, string[] resources, string[]? names = null) => new(verbs, groups, resources, names ?? [], []);

    private static PolicyRule U(string[] verbs, string[] urls) => new(verbs, [], [], [], urls);

    [Fact]
    public void Covers_StarOwner_CoversAnything()
    {
        var (covered, missing) = RuleCoverage.Covers(PolicyRule.FullAuthority, [R(["get", "escalate"], ["", "apps"], ["pods", "deployments/scale"], ["x"]), U(["get"], ["/healthz"])]);

        Assert.True(covered);
        Assert.Empty(missing);
    }

    [Fact]
    public void Covers_ExactAndPartial_ReportsEachMissingPiece()
    {
        var owner = new[] { R(["get", "list"], [""], ["pods", "configmaps"]) };

        var (covered, missing) = RuleCoverage.Covers(owner, [R(["get", "delete"], [""], ["pods"])]);

        Assert.False(covered);
        Assert.Equal("{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}", Assert.Single(missing).CompactString());
    }

    [Fact]
    public void Covers_SubresourceByStarSlash_NotResourceByItsSubresources()
    {
        Assert.True(RuleCoverage.Covers([R(["get"], [""], ["*/log"])], [R(["get"], [""], ["pods/log"])]).Covered);
        Assert.False(RuleCoverage.Covers([R(["get"], [""], ["*/log"])], [R(["get"], [""], ["pods"])]).Covered);
        Assert.False(RuleCoverage.Covers([R(["get"], [""], ["pods"])], [R(["get"], [""], ["pods/log"])]).Covered);
    }

    [Fact]
    public void Covers_ResourceNames_OwnerWithoutNamesCoversNamed_NamedDoesNotCoverUnnamed()
    {
        Assert.True(RuleCoverage.Covers([R(["get"], [""], ["secrets"])], [R(["get"], [""], ["secrets"], ["a", "b"])]).Covered);
        Assert.True(RuleCoverage.Covers([R(["get"], [""], ["secrets"], ["a", "b"])], [R(["get"], [""], ["secrets"], ["b"])]).Covered);
        Assert.False(RuleCoverage.Covers([R(["get"], [""], ["secrets"], ["a"])], [R(["get"], [""], ["secrets"], ["b"])]).Covered);
        Assert.False(RuleCoverage.Covers([R(["get"], [""], ["secrets"], ["a"])], [R(["get"], [""], ["secrets"])]).Covered);
    }

    [Fact]
    public void Covers_NonResourceUrls_TrailingStarIsPrefix()
    {
        Assert.True(RuleCoverage.Covers([U(["get"], ["/apis/*"])], [U(["get"], ["/apis/apps/v1"])]).Covered);
        Assert.False(RuleCoverage.Covers([U(["get"], ["/apis/*"])], [U(["get"], ["/api/v1"])]).Covered);
        // A URL rule never covers a resource rule, nor the reverse.
        Assert.False(RuleCoverage.Covers([U(["*"], ["*"])], [R(["get"], [""], ["pods"])]).Covered);
        Assert.False(RuleCoverage.Covers([R(["*"], ["*"], ["*"])], [U(["get"], ["/healthz"])]).Covered);
    }

    [Fact]
    public void Covers_GroupsMustMatch()
    {
        Assert.False(RuleCoverage.Covers([R(["*"], [""], ["*"])], [R(["get"], ["apps"], ["deployments"])]).Covered);
        Assert.True(RuleCoverage.Covers([R(["*"], ["*"], ["deployments"])], [R(["get"], ["apps"], ["deployments"])]).Covered);
    }

    [Fact]
    public void Compact_MergesVerbsOfOneGroupResourceName()
    {
        var missing = RuleCoverage.Covers([], [R(["get", "list"], ["", "apps"], ["pods"]), R(["get"], [""], ["secrets"], ["a", "b"])]).Missing;

        var compact = RuleCoverage.Compact(missing).Select(r => r.CompactString()).ToList();

        Assert.Equal(
            [
                "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}",
                "{APIGroups:[\"apps\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}",
                "{APIGroups:[\"\"], Resources:[\"secrets\"], ResourceNames:[\"a\"], Verbs:[\"get\"]}",
                "{APIGroups:[\"\"], Resources:[\"secrets\"], ResourceNames:[\"b\"], Verbs:[\"get\"]}",
            ],
            compact);
    }
}
