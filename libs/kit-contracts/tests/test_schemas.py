from pathlib import Path
from uuid import uuid4

import pytest

from kit_contracts import BY_TYPE, EVENTS, OrgCreated, Tier, topics
from kit_contracts.registry import render_schema

SCHEMAS = Path(__file__).parents[1] / "schemas"


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.event_type)
def test_checked_in_schema_matches_code(event):
    path = SCHEMAS / f"{event.event_type}.json"
    assert path.exists(), f"missing {path}; run `make schemas`"
    assert path.read_text(encoding="utf-8") == render_schema(event), (
        f"{path.name} drifted from the model; run `make schemas` and review the diff"
    )


def test_no_stray_schema_files():
    names = {p.name for p in SCHEMAS.glob("*.json")}
    assert names == {f"{e.event_type}.json" for e in EVENTS}


def test_every_event_travels_on_a_known_topic_and_types_are_unique():
    assert len(BY_TYPE) == len(EVENTS)
    for event in EVENTS:
        assert event.topic in topics.ALL
        assert event.event_type.endswith(".v1")


def test_round_trip_and_tolerant_reader():
    org = OrgCreated(org_id=uuid4(), code="000.00.00.H42", name="UBND tỉnh Ninh Bình", tier=Tier.PROVINCE)
    data = org.model_dump(mode="json")
    assert OrgCreated.model_validate(data) == org
    data["added_later"] = "ignored"
    assert OrgCreated.model_validate(data) == org
    assert org.subject() == str(org.org_id)


def test_asyncapi_document_matches_code():
    from kit_contracts.asyncapi import render

    path = SCHEMAS.parent / "asyncapi.json"
    assert path.read_text(encoding="utf-8") == render(), "asyncapi.json drifted; run `make schemas`"


def test_asyncapi_references_resolve():
    import json

    from kit_contracts.asyncapi import build

    document = build()
    text = json.dumps(document)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        node = document
        for key in ref.removeprefix("#/").split("/"):
            assert key in node, f"dangling reference {ref}"
            node = node[key]
