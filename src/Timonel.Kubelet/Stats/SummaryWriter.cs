using System.Globalization;
using System.Text.Json;

namespace Timonel.Kubelet.Stats;

/// <summary>
/// Writes a snapshot as upstream's stats/v1alpha1 Summary JSON (GET /stats/summary): node and
/// pods with their containers, each with cpu {time, usageNanoCores, usageCoreNanoSeconds} and
/// memory {time, availableBytes, usageBytes, workingSetBytes, rssBytes}. Times are RFC 3339 in
/// whole seconds (metav1.Time); a figure not known (the first rate, a pod's available memory) is
/// left out, as upstream's omitempty pointers are.
/// </summary>
public static class SummaryWriter
{
    public static byte[] Write(UsageSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("node");
            json.WriteString("nodeName", snapshot.NodeName);
            WriteTime(json, "startTime", snapshot.Node.StartTime);
            WriteCpu(json, snapshot.Node.Cpu);
            WriteMemory(json, snapshot.Node.Memory);
            json.WriteEndObject();
            json.WriteStartArray("pods");
            foreach (var pod in snapshot.Pods)
            {
                json.WriteStartObject();
                json.WriteStartObject("podRef");
                json.WriteString("name", pod.Name);
                json.WriteString("namespace", pod.Namespace);
                json.WriteString("uid", pod.Uid);
                json.WriteEndObject();
                WriteTime(json, "startTime", pod.StartTime);
                json.WriteStartArray("containers");
                foreach (var container in pod.Containers)
                {
                    json.WriteStartObject();
                    json.WriteString("name", container.Name);
                    WriteTime(json, "startTime", container.StartTime);
                    WriteCpu(json, container.Cpu);
                    WriteMemory(json, container.Memory);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                WriteCpu(json, pod.Cpu);
                WriteMemory(json, pod.Memory);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteCpu(Utf8JsonWriter json, CpuReading cpu)
    {
        json.WriteStartObject("cpu");
        WriteTime(json, "time", cpu.Time);
        if (cpu.UsageNanoCores is { } rate)
        {
            json.WriteNumber("usageNanoCores", rate);
        }

        json.WriteNumber("usageCoreNanoSeconds", cpu.UsageCoreNanoSeconds);
        json.WriteEndObject();
    }

    private static void WriteMemory(Utf8JsonWriter json, MemoryReading memory)
    {
        json.WriteStartObject("memory");
        WriteTime(json, "time", memory.Time);
        if (memory.AvailableBytes is { } available)
        {
            json.WriteNumber("availableBytes", available);
        }

        json.WriteNumber("usageBytes", memory.UsageBytes);
        json.WriteNumber("workingSetBytes", memory.WorkingSetBytes);
        json.WriteNumber("rssBytes", memory.RssBytes);
        json.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset time) =>
        json.WriteString(name, time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
