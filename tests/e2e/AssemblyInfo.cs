using System.Runtime.Versioning;

// The suite drives Linux processes (the timonel launcher, kubectl, signals by PID).
[assembly: SupportedOSPlatform("linux")]
