namespace Timonel.Scheduler.Tests;
