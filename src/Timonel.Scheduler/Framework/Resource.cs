using k8s.Models;
using Timonel.Api.Validation;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// A vector of compute resources as the scheduler counts them: CPU in millicores, memory and
/// ephemeral storage in bytes, the pod count, and every other (extended) resource by name.
/// </summary>
public sealed class Resource
{
    public long MilliCpu { get; set; }

    public long Memory { get; set; }

    public long EphemeralStorage { get; set; }

    public long AllowedPodNumber { get; set; }

    /// <summary>Extended and hugepage resources, created on first use.</summary>
    public Dictionary<string, long>? Scalars { get; private set; }

    public const string Cpu = "cpu";
    public const string MemoryName = "memory";
    public const string EphemeralStorageName = "ephemeral-storage";
    public const string Pods = "pods";

    public static Resource From(IDictionary<string, ResourceQuantity>? list)
    {
        var r = new Resource();
        r.Add(list);
        return r;
    }

    public long Scalar(string name) => Scalars is { } s && s.TryGetValue(name, out var v) ? v : 0;

    public void SetScalar(string name, long value) => (Scalars ??= new(StringComparer.Ordinal))[name] = value;

    public void Add(IDictionary<string, ResourceQuantity>? list)
    {
        if (list is null)
        {
            return;
        }

        foreach (var (name, q) in list)
        {
            switch (name)
            {
                case Cpu: MilliCpu += Quantity.MilliValue(q); break;
                case MemoryName: Memory += Quantity.Value(q); break;
                case EphemeralStorageName: EphemeralStorage += Quantity.Value(q); break;
                case Pods: AllowedPodNumber += Quantity.Value(q); break;
                default:
                    if (ResourceNames.IsScalarResourceName(name))
                    {
                        SetScalar(name, Scalar(name) + Quantity.Value(q));
                    }

                    break;
            }
        }
    }

    public void Add(Resource other) => Combine(other, 1);

    public void Subtract(Resource other) => Combine(other, -1);

    /// <summary>Each field becomes the larger of this and <paramref name="other"/>.</summary>
    public void SetMax(Resource other)
    {
        MilliCpu = Math.Max(MilliCpu, other.MilliCpu);
        Memory = Math.Max(Memory, other.Memory);
        EphemeralStorage = Math.Max(EphemeralStorage, other.EphemeralStorage);
        AllowedPodNumber = Math.Max(AllowedPodNumber, other.AllowedPodNumber);
        if (other.Scalars is { } s)
        {
            foreach (var (k, v) in s)
            {
                SetScalar(k, Math.Max(Scalar(k), v));
            }
        }
    }

    public Resource Clone()
    {
        var r = new Resource { MilliCpu = MilliCpu, Memory = Memory, EphemeralStorage = EphemeralStorage, AllowedPodNumber = AllowedPodNumber };
        if (Scalars is { } s)
        {
            r.Scalars = new Dictionary<string, long>(s, StringComparer.Ordinal);
        }

        return r;
    }

    /// <summary>The amount of a resource by its API name.</summary>
    public long Get(string name) => name switch
    {
        Cpu => MilliCpu,
        MemoryName => Memory,
        EphemeralStorageName => EphemeralStorage,
        Pods => AllowedPodNumber,
        _ => Scalar(name),
    };

    private void Combine(Resource other, long sign)
    {
        MilliCpu += sign * other.MilliCpu;
        Memory += sign * other.Memory;
        EphemeralStorage += sign * other.EphemeralStorage;
        AllowedPodNumber += sign * other.AllowedPodNumber;
        if (other.Scalars is { } s)
        {
            foreach (var (k, v) in s)
            {
                SetScalar(k, Scalar(k) + (sign * v));
            }
        }
    }
}
