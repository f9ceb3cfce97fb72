using k8s.Models;

namespace Timonel.Ingress.Routing;

/// <summary>
/// Which Ingresses this controller serves: those whose class (spec.ingressClassName, else the
/// deprecated kubernetes.io/ingress.class annotation) names an IngressClass of our controller, and
/// those without a class unless another controller's class is the cluster's default.
/// </summary>
public static class IngressClassSelection
{
    /// <summary>The class the controller creates at start when absent.</summary>
    public const string DefaultClassName = "timonel";

    /// <summary>spec.controller of the classes this controller serves.</summary>
    public const string ControllerName = "timonel.io/ingress";

    public const string DefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";

    public const string LegacyClassAnnotation = "kubernetes.io/ingress.class";

    /// <summary>The class this controller creates when no class named <see cref="DefaultClassName"/> exists.</summary>
    public static V1IngressClass DefaultClass() => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "IngressClass",
        Metadata = new V1ObjectMeta
        {
            Name = DefaultClassName,
            Annotations = new Dictionary<string, string> { [DefaultClassAnnotation] = "true" },
        },
        Spec = new V1IngressClassSpec { Controller = ControllerName },
    };

    /// <summary>True when <paramref name="ingress"/> is ours given every IngressClass of the cluster.</summary>
    public static bool IsOurs(V1Ingress ingress, IReadOnlyCollection<V1IngressClass> classes)
    {
        ArgumentNullException.ThrowIfNull(ingress);
        ArgumentNullException.ThrowIfNull(classes);
        var className = ingress.Spec?.IngressClassName;
        if (string.IsNullOrEmpty(className) && ingress.Metadata?.Annotations is { } annotations)
        {
            annotations.TryGetValue(LegacyClassAnnotation, out className);
        }

        if (!string.IsNullOrEmpty(className))
        {
            // Our own class name counts even before its IngressClass is written (or after a user
            // deleted it), as ingress-nginx honours its --ingress-class.
            return className == DefaultClassName
                || classes.Any(c => c.Metadata?.Name == className && c.Spec?.Controller == ControllerName);
        }

        // Without a class, upstream's admission would have stamped the default class; one that
        // belongs to another controller takes the Ingress, none or ours leaves it to us.
        var defaults = classes.Where(IsDefault).ToList();
        return defaults.Count == 0 || defaults.Any(c => c.Spec?.Controller == ControllerName);
    }

    private static bool IsDefault(V1IngressClass c) =>
        c.Metadata?.Annotations is { } a && a.TryGetValue(DefaultClassAnnotation, out var v) && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);
}
