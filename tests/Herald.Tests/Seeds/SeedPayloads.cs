namespace Herald.Tests.Seeds;

/// <summary>Payloads copied verbatim from the vendors' webhook documentation, which the shipped catalogues must accept.</summary>
public static class SeedPayloads
{
    /// <summary>CyberTracker's "Single record payload" (its webhook documentation, Webhooks → Payload format).</summary>
    public const string CyberTrackerSingleRecord = """
        {
          "uid": "b9b1c075e002441db6ada01225fb0a6f",
          "createTime": "2025-06-17T23:00:33.999+01:00",
          "updateTime": "2025-06-17T23:00:33.999+01:00",
          "sessionId": "15c17035a9514feebd48097e056c0211",
          "deviceId": "42dc6a06650b4e4a889faf9819b88e4a",
          "summary": "Test, This is a note",
          "username": "Justin",
          "location": [11.394516667, -0.310066667, 0, 1],

          "project": {
            "connector": "Classic",
            "provider": "Classic",
            "reportedBy": "",
            "subtitle": "Sample",
            "title": "Photo notes",
            "uid": "CLASSIC2_3bf5cf553eda4776af8b9f5c88c6134e"
          },

          "records": [
            {
              "summary": "Test, This is a note",
              "uid": "b9b1c075e002441db6ada01225fb0a6f",
              "values": [
                { "id": "Name", "name": "Name", "value": "Test" },
                { "id": "Photo", "name": "Photo", "value": null }, 
                { "id": "Note", "name": "Note", "value": "This is a note" },
                { "id": "Sound", "name": "Sound", "value": null }
              ]
            }
          ]
        }
        """;

    /// <summary>CyberTracker's "Multi-record payload" from SMART (same documentation).</summary>
    public const string CyberTrackerSmartMultiRecord = """
        {
          "uid": "1da3eb5fb71c42c29ecd547324541589",
          "createTime": "2025-06-17T23:41:54.760+01:00",
          "updateTime": "2025-06-17T23:41:54.764+01:00",
          "sessionId": "9b4d58911b0f40f185944276071e6b8b",
          "deviceId": "42dc6a06650b4e4a889faf9819b88e4a",
          "summary": "Independent Incident, None, PRIMATES, 3, Observed Only, Fig, Ripe",
          "username": "Justin",
          "location": [11.4382, -0.43205, 0, 1],

          "project": {
            "connector": "SMART",
            "provider": "SMART",
            "reportedBy": "",
            "subtitle": "2025/06/10 18:38:05",
            "title": "Conservation area sample",
            "uid": "SMART_9132eede-f804-483e-b686-9f063138b69a"
          },

          "records": [
            {
              "summary": "0.432050° S, 11.438200° E, Independent Incident",
              "uid": "1da3eb5fb71c42c29ecd547324541589",
              "values": [
                { "id": "GroupList", "name": "GroupList", "value": ["3ee253493c9243e89d2f4d822b9e2af2"] },
                { "id": "Location", "name": "Location", "value": [11.4382, -0.43205, 0, 1] },
                { "id": "SMART_ObservationType", "name": "SMART_ObservationType", "value": "Observation" },
                { "id": "SMART_DataType", "name": "Data Type", "value": "incident" },
                { "id": "SMART_IncidentType", "name": "Incident type", "value": "Independent Incident" },
                { "id": "SMART_Employees", "name": "Employees", "value": ["John Peter", "Lilian Wendy", "Samnang Tang"] },
                { "id": "IncidentRecord", "name": "Records", "value": ["7cd1ca59fee64899a0cfcc5b4c1b2dcd", "4ca8bd3d8fe24be3a680a8f8bfd2286e"] }
              ]
            },
            {
              "summary": "None, PRIMATES, 3, Observed Only",
              "uid": "7cd1ca59fee64899a0cfcc5b4c1b2dcd",
              "values": [
                { "id": "SMART_SightingGroupId", "name": "SMART_SightingGroupId", "value": "3ee253493c9243e89d2f4d822b9e2af2" },
                { "id": "a:0:a6e5c90fc4bb4e55890ae1656d7f4f67", "name": "Threat", "value": "None" },
                { "id": "a:0:2389593093a14c83855d50771f175f2b", "name": "Species", "value": "PRIMATES" },
                { "id": "a:0:9fa038f8287c48edbaa01ca8a0665d81", "name": "Number of Adult Males", "value": 3 },
                { "id": "a:0:309a27eedea9439d8af0437d4de375cf", "name": "Action Taken Live Animals", "value": "Observed Only" }
              ]
            },
            {
              "summary": "Fig, Ripe",
              "uid": "4ca8bd3d8fe24be3a680a8f8bfd2286e",
              "values": [
                {"id": "SMART_SightingGroupId", "name": "SMART_SightingGroupId", "value": "3ee253493c9243e89d2f4d822b9e2af2" },
                {"id": "a:0:90cd57d395ae49fea10e2757be45b9c8", "name": "Fruit or Nut Tree Species", "value": "Fig" },
                {"id": "a:0:d0c716cf9aee4b0f9391426b8c0d0e29", "name": "Fruiting Status", "value": "Ripe" }
              ]
            }
          ]
        }
        """;

    /// <summary>SafetyCulture's TRIGGER_EVENT_INSPECTION_STARTED webhook body (its documentation); Herald publishes its <c>data</c>.</summary>
    public const string SafetyCultureInspectionStarted = """
        {
          "version": "1.0.0",
          "workflow_id": "workflow_8abb7bff902a43a5b3bd498f4bebb42j",
          "event": {
            "date_triggered": "2017-06-29T05:15:19.136Z",
            "event_types": [
              "audit_started"
            ],
            "triggered_by": {
              "type": "user",
              "user": "user_bb5b6ba050bf43c1b447b6f299de4b67",
              "name": "John Smith"
            }
          },
          "data": {
            "audit": {
              "template_id": "template_ca59d625954f4d51baf394400d6e3z87",
              "audit_id": "audit_7e9ee886325a4fb096989c3e2896e876",
              "archived": false,
              "created_at": "2017-06-29T05:15:18.511Z",
              "modified_at": "2017-06-29T05:15:18.511Z",
              "audit_data": {
                "score": 0,
                "total_score": 0,
                "name": "",
                "duration": 0,
                "authorship": {
                  "device_id": "user_bb5b6ba050bf43c1b447b6f299de4b67",
                  "owner": "John Smith",
                  "owner_id": "user_bb5b6ba050bf43c1b447b6f299de4b67",
                  "author": "John Smith",
                  "author_id": "user_bb5b6ba050bf43c1b447b6f299de4b67"
                },
                "date_completed": null,
                "date_modified": "2017-06-29T05:15:18.509Z",
                "date_started": "2017-06-29T05:15:18.509Z"
              },
              "template_data": {
                "authorship": {
                  "device_id": "8a582619-95e9-43e8-b671-6h765745b200",
                  "owner": "John Smith",
                  "owner_id": "user_bb5b6ba050bf43c1b447b6f299de4b67",
                  "author": "John Smith",
                  "author_id": "user_bb5b6ba050bf43c1b447b6f299de4b67"
                },
                "metadata": {
                  "description": "",
                  "name": "test"
                }
              },
              "header_items": [
                {
                  "item_id": "f3245d39-ea77-11e1-aff1-0800200c9a78",
                  "label": "Title Page",
                  "type": "section",
                  "children": [
                    "f3245d46-ea77-11e1-aff1-0800200c9a66",
                    "f3245d40-ea77-11e1-aff1-0800200c9a66",
                    "f3245d41-ea77-11e1-aff1-0800200c9a66",
                    "f3245d42-ea77-11e1-aff1-0800200c9a66",
                    "f3245d43-ea77-11e1-aff1-0800200c9a66",
                    "f3245d44-ea77-11e1-aff1-0800200c9a66",
                    "f3245d45-ea77-11e1-aff1-0800200c9a66"
                  ]
                },
                {
                  "parent_id": "f3245d39-ea77-11e1-aff1-0800200c9a66",
                  "item_id": "f3245d46-ea77-11e1-aff1-0800200c9a66",
                  "label": "Document No.",
                  "type": "textsingle",
                  "responses": {
                    "text": "000027"
                  }
                },
                {
                  "parent_id": "f3245d39-ea77-11e1-aff1-0800200c9a66",
                  "item_id": "f3245d45-ea77-11e1-aff1-0800200c9a66",
                  "label": "Personnel",
                  "type": "text"
                }
              ]
            },
            "template": {
              "template_id": "template_ca59d625954f4d51baf394400d6e3z87",
              "name": "test"
            }
          }
        }
        """;

    /// <summary>SafetyCulture's TRIGGER_EVENT_MEDIA_UPLOADED webhook body (same documentation).</summary>
    public const string SafetyCultureMediaUploaded = """
        {
          "webhook_id": "8475debb-a531-4fc6-b25f-eaeee6e75b82",
          "event": {
            "date_triggered": "2022-05-10T05:24:56Z",
            "event_types": ["TRIGGER_EVENT_MEDIA_UPLOADED"],
            "triggered_by": {
              "user_type": "user",
              "user": "fd2a2355-da0f-499e-b7a6-4df5c4c89722",
              "organization": "fac4e871-cc83-403e-b1d7-007b5809f8e7"
            }
          },
          "resource": {
            "id": "94924cfa-23c4-4211-917f-e00b822ee1b2",
            "type": "TASK"
          },
          "data": {
            "media_id": "37ceed41-9371-4851-995b-6869984a3e65",
            "media_type": "IMAGE",
            "media_url": "https://api-media-download.safetyculture.com/originals/3/7/c/e/37ceed41-9371-4851-995b-6869984a3e65?<signature>"
          }
        }
        """;
}
