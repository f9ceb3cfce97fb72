namespace Timonel.Scheduler;
