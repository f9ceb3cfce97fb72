using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>CronJobs (batch/v1): defaults of SetDefaults_CronJob, a valid schedule and time zone, a valid job template.</summary>
public sealed class CronJobStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    /// <summary>Job names get an 11-character suffix, and must still fit a 63-character label.</summary>
    public const int MaxNameLength = 52;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.DefaultString("concurrencyPolicy", "Allow");
        spec.Default("suspend", false);
        spec.Default("successfulJobsHistoryLimit", 3);
        spec.Default("failedJobsHistoryLimit", 1);
        PodDefaults.ApplyToTemplate(spec.Obj("jobTemplate").Obj("spec").Obj("template"));
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var name = obj.Obj("metadata").Str("name") ?? "";
        if (name.Length > MaxNameLength)
        {
            errs.Add(FieldError.Invalid("metadata.name", name, NameValidation.MaxLenError(MaxNameLength)));
        }
        var spec = obj.Obj("spec");
        var schedule = spec.Str("schedule") ?? "";
        var timeZone = spec.Str("timeZone");
        if (schedule.Length == 0)
        {
            errs.Add(FieldError.Required("spec.schedule", ""));
        }
        else
        {
            if (CronSchedule.Validate(schedule) is { } error)
            {
                errs.Add(FieldError.Invalid("spec.schedule", schedule, error));
            }
            if (schedule.Contains("TZ", StringComparison.Ordinal))
            {
                errs.Add(FieldError.Invalid("spec.schedule", schedule, timeZone is null
                    ? "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
                    : "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
            }
        }
        if (timeZone is not null)
        {
            ValidateTimeZone(timeZone, errs);
        }
        FieldChecks.OneOf(spec, "concurrencyPolicy", "spec.concurrencyPolicy", ["Allow", "Forbid", "Replace"], errs, required: true);
        foreach (var key in new[] { "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit" })
        {
            FieldChecks.NonNegative(spec, key, $"spec.{key}", errs);
        }
        var jobTemplate = spec.Obj("jobTemplate");
        LabelValidation.ValidateLabels(jobTemplate.Obj("metadata").Obj("labels"), "spec.jobTemplate.metadata.labels", errs);
        ObjectMetaValidation.ValidateAnnotations(jobTemplate.Obj("metadata").Obj("annotations"), "spec.jobTemplate.metadata.annotations", errs);
        JobStrategy.ValidateSpec(jobTemplate.Obj("spec"), "spec.jobTemplate.spec", requireSelector: false, errs);
        if (jobTemplate.Obj("spec").Bool("manualSelector") == true)
        {
            errs.Add(FieldError.NotSupported("spec.jobTemplate.spec.manualSelector", "true", ["nil", "false"]));
        }
    }

    private static void ValidateTimeZone(string timeZone, List<FieldError> errs)
    {
        if (timeZone.Equals("Local", StringComparison.OrdinalIgnoreCase))
        {
            errs.Add(FieldError.Invalid("spec.timeZone", timeZone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
            return;
        }
        if (timeZone.Length == 0 || timeZone.Contains("..", StringComparison.Ordinal) || timeZone.StartsWith('/')
            || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            errs.Add(FieldError.Invalid("spec.timeZone", timeZone, $"unknown time zone {timeZone}"));
        }
    }
}
