"""The base every event contract derives from.

An event is a past-tense fact about one aggregate. Its class carries the CloudEvents ``type``
(``<service>.<aggregate>.<fact>.v<N>``) and the topic it travels on; ``subject()`` names the
aggregate, which is also the Kafka key so one aggregate's events keep their order.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    # Tolerant reader: a consumer on an older contract ignores fields added later in the same version.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]

    def subject(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} must name its aggregate")

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        schema = cls.model_json_schema()
        schema["$id"] = f"urn:egov:event:{cls.event_type}"
        schema["x-topic"] = cls.topic
        return schema
