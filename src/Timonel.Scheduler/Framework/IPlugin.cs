namespace Timonel.Scheduler.Framework;

/// <summary>A scheduling plugin: a name (how configuration refers to it) and one or more extension-point interfaces.</summary>
public interface IPlugin
{
    string Name { get; }
}
