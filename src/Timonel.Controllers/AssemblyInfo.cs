namespace Timonel.Controllers;
