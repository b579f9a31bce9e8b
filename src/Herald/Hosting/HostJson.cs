using System.Text.Json.Serialization;
using Herald.Delivery;

namespace Herald.Hosting;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StoredSecrets))]
internal sealed partial class HostJson : JsonSerializerContext;
