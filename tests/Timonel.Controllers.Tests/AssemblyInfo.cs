namespace Timonel.Controllers.Tests;
