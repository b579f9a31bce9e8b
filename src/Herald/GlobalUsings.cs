// The web SDK imports Microsoft.AspNetCore.Http, whose routing Endpoint would shadow Herald's own.
global using Endpoint = Herald.Core.Model.Endpoint;
