namespace Timonel.Registry.Tables;

/// <summary>Column definitions many of upstream's printers share.</summary>
internal static class CommonColumns
{
    public const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    public const string CreationTimestampDescription =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public static readonly TableColumn Name = new("Name", "string", "name", NameDescription, 0);

    public static readonly TableColumn Age = new("Age", "string", "", CreationTimestampDescription, 0);

    public static readonly TableColumn Containers = Wide("Containers", "Names of each container in the template.");

    public static readonly TableColumn Images = Wide("Images", "Images referenced by each container in the template.");

    public static TableColumn Text(string name, string description) => new(name, "string", "", description, 0);

    public static TableColumn Integer(string name, string description) => new(name, "integer", "", description, 0);

    public static TableColumn Wide(string name, string description) => new(name, "string", "", description, 1);
}
