using k8s.Models;

namespace Timonel.Controllers.ServiceAccount;

/// <summary>The Secrets a pod refers to (upstream's VisitPodSecretNames, for the sources Timonel serves).</summary>
internal static class PodSecretNames
{
    public static IEnumerable<string> Of(V1Pod pod)
    {
        var spec = pod.Spec;
        if (spec is null)
        {
            yield break;
        }

        foreach (var pull in spec.ImagePullSecrets ?? [])
        {
            yield return pull.Name;
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.Secret?.SecretName is { } name)
            {
                yield return name;
            }

            foreach (var source in volume.Projected?.Sources ?? [])
            {
                if (source.Secret?.Name is { } projected)
                {
                    yield return projected;
                }
            }
        }

        IEnumerable<(IList<V1EnvVar>? Env, IList<V1EnvFromSource>? EnvFrom)> containers =
        [
            .. (spec.Containers ?? []).Select(c => (c.Env, c.EnvFrom)),
            .. (spec.InitContainers ?? []).Select(c => (c.Env, c.EnvFrom)),
            .. (spec.EphemeralContainers ?? []).Select(c => (c.Env, c.EnvFrom)),
        ];
        foreach (var (env, envFrom) in containers)
        {
            foreach (var from in envFrom ?? [])
            {
                if (from.SecretRef?.Name is { } name)
                {
                    yield return name;
                }
            }

            foreach (var variable in env ?? [])
            {
                if (variable.ValueFrom?.SecretKeyRef?.Name is { } name)
                {
                    yield return name;
                }
            }
        }
    }
}
