using System.Text;
using k8s.Models;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// A metric selector written as upstream's messages print it (Go's %+v of a *metav1.LabelSelector,
/// its generated String()): "nil", or
/// "&amp;LabelSelector{MatchLabels:map[string]string{k: v,},MatchExpressions:[]LabelSelectorRequirement{},}".
/// It appears in metric names ("external metric queue(nil)") and errors, which users match on.
/// </summary>
public static class GoSelectorText
{
    public static string Of(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return "nil";
        }

        var text = new StringBuilder("&LabelSelector{MatchLabels:map[string]string{");
        foreach (var (key, value) in (selector.MatchLabels ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append(": ").Append(value).Append(',');
        }

        text.Append("},MatchExpressions:[]LabelSelectorRequirement{");
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            text.Append("LabelSelectorRequirement{Key:").Append(requirement.Key)
                .Append(",Operator:").Append(requirement.OperatorProperty)
                .Append(",Values:[").Append(string.Join(' ', requirement.Values ?? [])).Append("],},");
        }

        return text.Append("},}").ToString();
    }
}
