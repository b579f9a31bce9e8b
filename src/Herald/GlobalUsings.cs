// The web SDK imports Microsoft.AspNetCore.Http, whose routing Endpoint would shadow Herald's own.
global using Endpoint = Herald.Core.Model.Endpoint;
// The host calls the engine everywhere: its options, endpoint services and telemetry.
global using Herald.Engine.Configuration;
global using Herald.Engine.Endpoints;
global using Herald.Engine.Telemetry;
