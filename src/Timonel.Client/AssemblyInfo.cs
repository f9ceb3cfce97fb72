namespace Timonel.Client;
