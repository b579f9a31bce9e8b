using System.Text.Json.Serialization;

namespace Herald.Engine.Delivery;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StoredSecrets))]
internal sealed partial class EngineJson : JsonSerializerContext;
