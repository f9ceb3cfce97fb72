using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>
/// Upstream's pod defaulting (core/v1 defaults.go): SetDefaults_PodSpec and what it reaches
/// (containers, ports, probes, volumes) for pods and pod templates, plus SetDefaults_Pod for pods.
/// Idempotent: running it twice changes nothing.
/// </summary>
public static class PodDefaults
{
    private static readonly string[] ContainerLists = ["initContainers", "containers", "ephemeralContainers"];

    /// <summary>Defaults of a Pod object: the spec's, plus those upstream applies to pods only.</summary>
    public static void ApplyToPod(JsonObject pod)
    {
        var spec = pod.Ensure("spec");
        ApplyToSpec(spec);
        spec.Default("enableServiceLinks", true);
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var (_, c) in spec.Arr(list).Objects())
            {
                RequestsFromLimits(c);
            }
        }
    }

    /// <summary>Defaults of the pod template inside a workload (template.spec).</summary>
    public static void ApplyToTemplate(JsonObject? template)
    {
        if (template is null)
        {
            return;
        }
        ApplyToSpec(template.Ensure("spec"));
    }

    public static void ApplyToSpec(JsonObject spec)
    {
        spec.DefaultString("dnsPolicy", "ClusterFirst");
        spec.DefaultString("restartPolicy", "Always");
        spec.Default("securityContext", new JsonObject());
        spec.Default("terminationGracePeriodSeconds", 30);
        spec.DefaultString("schedulerName", "default-scheduler");
        var hostNetwork = spec.Bool("hostNetwork") == true;
        foreach (var list in ContainerLists)
        {
            foreach (var (_, c) in spec.Arr(list).Objects())
            {
                ApplyToContainer(c, hostNetwork);
            }
        }
        foreach (var (_, v) in spec.Arr("volumes").Objects())
        {
            ApplyToVolume(v);
        }
    }

    private static void ApplyToContainer(JsonObject c, bool hostNetwork)
    {
        if (string.IsNullOrEmpty(c.Str("imagePullPolicy")))
        {
            c["imagePullPolicy"] = ImageTag(c.Str("image") ?? "") == "latest" ? "Always" : "IfNotPresent";
        }
        c.DefaultString("terminationMessagePath", "/dev/termination-log");
        c.DefaultString("terminationMessagePolicy", "File");
        c.Default("resources", new JsonObject());
        foreach (var (_, p) in c.Arr("ports").Objects())
        {
            p.DefaultString("protocol", "TCP");
            if (hostNetwork && p.Int("hostPort") is null or 0 && p["containerPort"] is { } port)
            {
                p["hostPort"] = port.DeepClone();
            }
        }
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (c.Obj(probe) is { } p)
            {
                p.Default("timeoutSeconds", 1);
                p.Default("periodSeconds", 10);
                p.Default("successThreshold", 1);
                p.Default("failureThreshold", 3);
                ApplyToHttpGet(p.Obj("httpGet"));
            }
        }
        foreach (var hook in new[] { "postStart", "preStop" })
        {
            ApplyToHttpGet(c.Obj("lifecycle").Obj(hook).Obj("httpGet"));
        }
        foreach (var (_, env) in c.Arr("env").Objects())
        {
            if (env.Obj("valueFrom").Obj("fieldRef") is { } fieldRef)
            {
                fieldRef.DefaultString("apiVersion", "v1");
            }
        }
    }

    private static void ApplyToHttpGet(JsonObject? httpGet)
    {
        if (httpGet is not null)
        {
            httpGet.DefaultString("path", "/");
            httpGet.DefaultString("scheme", "HTTP");
        }
    }

    private static void ApplyToVolume(JsonObject v)
    {
        if (!VolumeValidation.SourceKeys.Any(v.Has))
        {
            v["emptyDir"] = new JsonObject();
        }
        foreach (var key in new[] { "secret", "configMap", "downwardAPI", "projected" })
        {
            v.Obj(key)?.Default("defaultMode", 420);
        }
        v.Obj("hostPath")?.Default("type", "");
        foreach (var (_, item) in v.Obj("downwardAPI").Arr("items").Objects())
        {
            item.Obj("fieldRef")?.DefaultString("apiVersion", "v1");
        }
    }

    /// <summary>Limits set without requests become the requests too (SetDefaults_Pod).</summary>
    private static void RequestsFromLimits(JsonObject container)
    {
        var limits = container.Obj("resources").Obj("limits");
        if (limits is null || limits.Count == 0)
        {
            return;
        }
        var requests = container.Ensure("resources").Ensure("requests");
        foreach (var (name, value) in limits)
        {
            requests.Default(name, value?.DeepClone() ?? "0");
        }
    }

    /// <summary>The tag of an image reference: "latest" when neither tag nor digest is given.</summary>
    public static string ImageTag(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var hasDigest = at >= 0;
        var name = hasDigest ? image[..at] : image;
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash)
        {
            return name[(colon + 1)..];
        }
        return hasDigest ? "" : "latest";
    }
}
