using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Testing;
using Xunit;
using static Timonel.Controllers.Tests.CronJob.CronJobTestKit;

namespace Timonel.Controllers.Tests.CronJob;

public sealed class CronJobControllerTests
{
    [Fact]
    public async Task Sync_ScheduleDue_CreatesJobNamedAfterScheduledMinute()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "cronjob");
        var ns = await harness.Cluster.CreateNamespaceAsync("cron");
        var created = await harness.Client.BatchV1.CreateNamespacedCronJobAsync(NewCronJob("tick", "*/1 * * * *"), ns);
        var due = NextMinute(new DateTimeOffset(created.Metadata.CreationTimestamp!.Value, TimeSpan.Zero));

        clock.SetUtcNow(due.AddSeconds(1));

        var job = await WaitForJobAsync(harness.Client, ns, JobName("tick", due));
        Assert.Equal(due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), job.Metadata.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
        Assert.Equal("tick", job.Metadata.Labels["app"]);
        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal(("CronJob", created.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller == true));
        var cronJob = await Eventually.WaitAsync(
            async ct => await harness.Client.BatchV1.ReadNamespacedCronJobAsync("tick", ns, cancellationToken: ct) is { Status.Active.Count: 1 } c ? c : null,
            WaitLimit,
            "job listed as active");
        Assert.Equal(job.Metadata.Uid, cronJob.Status.Active[0].Uid);
        Assert.Equal(due.UtcDateTime, cronJob.Status.LastScheduleTime);

        // The next minute brings the next job (Allow lets them overlap).
        clock.SetUtcNow(due.AddMinutes(1).AddSeconds(1));
        await WaitForJobAsync(harness.Client, ns, JobName("tick", due.AddMinutes(1)));
        Assert.Contains(harness.Events, e => e.Name == "tick" && e.Reason == "SuccessfulCreate");
    }

    [Fact]
    public async Task Sync_ForbidWithActiveJob_SkipsUntilItFinishes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "cronjob");
        var ns = await harness.Cluster.CreateNamespaceAsync("cron");
        var created = await harness.Client.BatchV1.CreateNamespacedCronJobAsync(NewCronJob("single", "* * * * *", "Forbid"), ns);
        var first = NextMinute(new DateTimeOffset(created.Metadata.CreationTimestamp!.Value, TimeSpan.Zero));
        clock.SetUtcNow(first.AddSeconds(1));
        await WaitForJobAsync(harness.Client, ns, JobName("single", first));
        await Eventually.WaitAsync(
            async ct => (await harness.Client.BatchV1.ReadNamespacedCronJobAsync("single", ns, cancellationToken: ct)).Status?.Active?.Count == 1,
            WaitLimit,
            "first job active");

        clock.SetUtcNow(first.AddMinutes(1).AddSeconds(1));
        await Eventually.WaitAsync(
            _ => Task.FromResult(harness.Events.Any(e => e.Name == "single" && e.Reason == "JobAlreadyActive")),
            WaitLimit,
            "JobAlreadyActive event");
        Assert.Single(await JobsAsync(harness.Client, ns));

        // Once the running job finishes, the skipped schedule runs.
        await FinishJobAsync(harness.Client, ns, JobName("single", first));
        await WaitForJobAsync(harness.Client, ns, JobName("single", first.AddMinutes(1)));
        var cronJob = await Eventually.WaitAsync(
            async ct => await harness.Client.BatchV1.ReadNamespacedCronJobAsync("single", ns, cancellationToken: ct) is { Status.LastSuccessfulTime: not null } c ? c : null,
            WaitLimit,
            "lastSuccessfulTime");
        Assert.Equal(JobName("single", first.AddMinutes(1)), Assert.Single(cronJob.Status.Active).Name);
    }

    [Fact]
    public async Task Sync_ReplaceWithActiveJob_DeletesItAndStartsTheNewOne()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "cronjob");
        var ns = await harness.Cluster.CreateNamespaceAsync("cron");
        var created = await harness.Client.BatchV1.CreateNamespacedCronJobAsync(NewCronJob("latest", "* * * * *", "Replace"), ns);
        var first = NextMinute(new DateTimeOffset(created.Metadata.CreationTimestamp!.Value, TimeSpan.Zero));
        clock.SetUtcNow(first.AddSeconds(1));
        await WaitForJobAsync(harness.Client, ns, JobName("latest", first));
        await Eventually.WaitAsync(
            async ct => (await harness.Client.BatchV1.ReadNamespacedCronJobAsync("latest", ns, cancellationToken: ct)).Status?.Active?.Count == 1,
            WaitLimit,
            "first job active");

        clock.SetUtcNow(first.AddMinutes(1).AddSeconds(1));

        var second = JobName("latest", first.AddMinutes(1));
        await Eventually.WaitAsync(
            async ct => (await JobsAsync(harness.Client, ns, ct)).Select(j => j.Metadata.Name).SequenceEqual([second]),
            WaitLimit,
            "only the second job left");
        await Eventually.WaitAsync(
            async ct => (await harness.Client.BatchV1.ReadNamespacedCronJobAsync("latest", ns, cancellationToken: ct)).Status?.Active?.SingleOrDefault()?.Name == second,
            WaitLimit,
            "only the second job active");
        Assert.Contains(harness.Events, e => e.Name == "latest" && e.Reason == "SuccessfulDelete" && e.Message == $"Deleted job {JobName("latest", first)}");
    }

    [Fact]
    public async Task Sync_SuccessfulHistoryLimit_DeletesOldestFinishedJobs()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "cronjob");
        var ns = await harness.Cluster.CreateNamespaceAsync("cron");
        var spec = NewCronJob("history", "* * * * *");
        spec.Spec.SuccessfulJobsHistoryLimit = 1;
        var created = await harness.Client.BatchV1.CreateNamespacedCronJobAsync(spec, ns);
        var first = NextMinute(new DateTimeOffset(created.Metadata.CreationTimestamp!.Value, TimeSpan.Zero));

        clock.SetUtcNow(first.AddSeconds(1));
        await WaitForJobAsync(harness.Client, ns, JobName("history", first));
        await FinishJobAsync(harness.Client, ns, JobName("history", first));
        clock.SetUtcNow(first.AddMinutes(1).AddSeconds(1));
        await WaitForJobAsync(harness.Client, ns, JobName("history", first.AddMinutes(1)));
        await FinishJobAsync(harness.Client, ns, JobName("history", first.AddMinutes(1)));

        await Eventually.WaitAsync(
            async ct => (await JobsAsync(harness.Client, ns, ct)).Select(j => j.Metadata.Name).SequenceEqual([JobName("history", first.AddMinutes(1))]),
            WaitLimit,
            "only the newest finished job kept");
    }

    [Fact]
    public async Task Sync_TimeZone_SchedulesInThatZoneAndAnnotatesWithItsOffset()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "cronjob");
        var ns = await harness.Cluster.CreateNamespaceAsync("cron");
        var spec = NewCronJob("tokyo", "0 9 * * *");
        spec.Spec.TimeZone = "Asia/Tokyo";
        var created = await harness.Client.BatchV1.CreateNamespacedCronJobAsync(spec, ns);
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var local = TimeZoneInfo.ConvertTime(new DateTimeOffset(created.Metadata.CreationTimestamp!.Value, TimeSpan.Zero), tokyo);
        var nine = new DateTimeOffset(local.Year, local.Month, local.Day, 9, 0, 0, TimeSpan.FromHours(9));
        var due = nine > local ? nine : nine.AddDays(1);

        clock.SetUtcNow(due.AddSeconds(5));

        var job = await WaitForJobAsync(harness.Client, ns, JobName("tokyo", due));
        Assert.Equal(due.ToString("yyyy-MM-dd'T'09:00:00'+09:00'", System.Globalization.CultureInfo.InvariantCulture), job.Metadata.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
    }

    [Fact]
    public async Task Sync_ManyMissedSchedules_WarnsAndStartsOnlyTheLatest()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "cronjob");
        var ns = await harness.Cluster.CreateNamespaceAsync("cron");
        var created = await harness.Client.BatchV1.CreateNamespacedCronJobAsync(NewCronJob("late", "* * * * *"), ns);
        var latest = NextMinute(new DateTimeOffset(created.Metadata.CreationTimestamp!.Value, TimeSpan.Zero)).AddMinutes(200);

        clock.SetUtcNow(latest.AddSeconds(1));

        await WaitForJobAsync(harness.Client, ns, JobName("late", latest));
        Assert.Single(await JobsAsync(harness.Client, ns));
        var warning = Assert.Single(harness.Events, e => e.Reason == "TooManyMissedTimes");
        Assert.Equal("Warning", warning.Type);
        Assert.StartsWith("too many missed start times: 101.", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_StartingDeadlinePassed_SkipsMissedScheduleAndRunsTheNext()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "cronjob");
        var ns = await harness.Cluster.CreateNamespaceAsync("cron");
        var spec = NewCronJob("deadline", "* * * * *");
        spec.Spec.StartingDeadlineSeconds = 10;
        spec.Spec.Suspend = true;
        var created = await harness.Client.BatchV1.CreateNamespacedCronJobAsync(spec, ns);
        var missed = NextMinute(new DateTimeOffset(created.Metadata.CreationTimestamp!.Value, TimeSpan.Zero)).AddMinutes(5);

        // Resumed 30 s after a scheduled time: that one is past its 10 s deadline.
        clock.SetUtcNow(missed.AddSeconds(30));
        await harness.Client.BatchV1.PatchNamespacedCronJobAsync(new V1Patch("""{"spec":{"suspend":false}}""", V1Patch.PatchType.MergePatch), "deadline", ns);
        clock.SetUtcNow(missed.AddMinutes(1).AddSeconds(2));

        await WaitForJobAsync(harness.Client, ns, JobName("deadline", missed.AddMinutes(1)));
        Assert.Single(await JobsAsync(harness.Client, ns));
        Assert.DoesNotContain(harness.Events, e => e.Reason == "TooManyMissedTimes");
    }
}
