"""The AsyncAPI 3.0 document of every topic, message and service operation, built from the code."""

from __future__ import annotations

import json
from typing import Any

from . import topics
from .registry import EVENTS
from .wiring import CONSUMED_BY, PRODUCED_BY

CLOUDEVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0, Kafka binary mode: attributes as ce_* headers, data as the record value",
    "required": [
        "ce_specversion",
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_subject",
        "ce_time",
        "ce_traceparent",
    ],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "UUIDv7; consumers dedupe on it"},
        "ce_source": {"type": "string", "description": "the producing service"},
        "ce_type": {"type": "string"},
        "ce_subject": {"type": "string", "description": "aggregate id, also the record key"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_traceparent": {"type": "string", "description": "W3C trace context"},
        "ce_requestid": {"type": "string", "description": "X-Request-ID of the request that caused it"},
        "content-type": {"const": "application/json"},
    },
}


def _name(event_type: str) -> str:
    return event_type.replace(".", "_")


def build() -> dict[str, Any]:
    schemas: dict[str, Any] = {"CloudEventHeaders": CLOUDEVENT_HEADERS}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for event in EVENTS:
        name = _name(event.event_type)
        schema = event.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        messages[name] = {
            "name": event.event_type,
            "title": event.__name__,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "aggregate id (ce_subject)"}}},
        }
        channel = channels.setdefault(
            _name(event.topic),
            {
                "address": event.topic,
                "description": f"dead letters go to {topics.dlq(event.topic)}",
                "messages": {},
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        for action, services in (("send", PRODUCED_BY[event]), ("receive", CONSUMED_BY[event])):
            for service in sorted(services):
                operations[f"{_name(service)}__{action}__{name}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{_name(event.topic)}"},
                    "messages": [{"$ref": f"#/channels/{_name(event.topic)}/messages/{name}"}],
                    "x-service": service,
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "e-government platform events",
            "version": "1.0.0",
            "description": "Every event the services exchange over Kafka (or the in-process bus).",
        },
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "messages": dict(sorted(messages.items()))},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
