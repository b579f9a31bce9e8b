global using Herald.Tests.Infrastructure;
