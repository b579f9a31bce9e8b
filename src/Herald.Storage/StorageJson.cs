using System.Text.Json.Serialization;
using Herald.Core.Model;

namespace Herald.Storage;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AttemptRequest))]
[JsonSerializable(typeof(AttemptResponse))]
internal sealed partial class StorageJson : JsonSerializerContext;
