using System.Text.Json;
using Cameo.Monitoring;

namespace Cameo.Dashboard;

/// <summary>The dashboard's JSON: web conventions (camelCase), the same for the endpoint and the event stream.</summary>
public static class DashboardJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write(DashboardSnapshot snapshot) => JsonSerializer.Serialize(snapshot, Options);

    public static DashboardSnapshot? Read(string json) => JsonSerializer.Deserialize<DashboardSnapshot>(json, Options);
}
