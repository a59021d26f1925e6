from datetime import datetime
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from kit_bus import dead_letter
from kit_bus.testing import DIALECTS, publish, service_under_test
from kit_contracts import NotificationRequested
from kit_core.testing import REFUSED_CASES
from notify_service import MIGRATIONS, models
from notify_service.app import create_app
from notify_service.config import Settings


@pytest.fixture(params=DIALECTS)
async def service(request, tmp_path):
    async with service_under_test(
        lambda url, bus, verifier: create_app(
            Settings(database_url=url, env="test"), bus=bus, verifier=verifier
        ),
        migrations=MIGRATIONS,
        dialect=request.param,
        name="notify",
        folder=tmp_path,
    ) as running:  # every event arrives twice: nobody may be told twice
        yield running


def welcome(*user_ids, **overrides):
    user_id = user_ids[0] if user_ids else uuid4()
    data = {
        "request_id": uuid4(),
        "kind": "user.welcome",
        "user_ids": list(user_ids) or [user_id],
        "org_id": uuid4(),
        "data": {"full_name": "Nguyễn Văn An", "username": "an.nv", "agency_name": "UBND tỉnh Ninh Bình"},
        "idempotency_key": f"user.welcome:{user_id}",
    }
    return NotificationRequested(**(data | overrides))


def as_user(service, user_id):
    """A client signed in as ``user_id`` (a clerk of some agency: the feed does not care which)."""
    return service.client_for(uuid4(), ["clerk"], user_id=user_id)


async def feed_item_count(service):
    return await service.scalar(select(func.count()).select_from(models.FeedItem))


async def test_each_named_user_gets_one_welcome(service):
    an, binh = uuid4(), uuid4()
    bus, client = service.bus, as_user(service, an)
    request = welcome(an, binh, binh, idempotency_key="user.welcome:batch-1")
    await publish(bus, [request])
    assert await feed_item_count(service) == 2

    # The same request again under a new event id (a producer retry): the key makes it a no-op.
    await publish(bus, [request.model_copy(update={"request_id": uuid4()})])
    assert await feed_item_count(service) == 2

    response = await client.get("/api/v1/notifications/feed")
    assert response.status_code == 200, response.text
    [item] = response.json()
    assert item["user_id"] == str(an)
    assert item["kind"] == "user.welcome"
    assert item["title"] == "Chào mừng đến với hệ thống quản lý văn bản"
    assert (
        item["body"] == "Xin chào Nguyễn Văn An, tài khoản an.nv của bạn tại UBND tỉnh Ninh Bình đã được tạo."
    )
    assert item["data"] == {
        "request_id": str(request.request_id),
        "org_id": str(request.org_id),
        "agency_name": "UBND tỉnh Ninh Bình",
        "full_name": "Nguyễn Văn An",
        "username": "an.nv",
    }
    assert item["read_at"] is None


async def test_missing_values_stay_visible_and_unknown_kinds_tell_nothing(service):
    user = uuid4()
    bus, client = service.bus, as_user(service, user)
    partial = welcome(user, data={"full_name": "Trần Thị Bình"})
    secret = welcome(
        user, kind="otp.code", data={"code": "493817", "username": "binh.tt"}, idempotency_key="otp:1"
    )
    await publish(bus, [partial, secret])

    items = (await client.get("/api/v1/notifications/feed")).json()
    assert [i["kind"] for i in items] == ["otp.code", "user.welcome"]  # newest first
    generic, welcomed = items
    assert (
        welcomed["body"]
        == "Xin chào Trần Thị Bình, tài khoản {username} của bạn tại {agency_name} đã được tạo."
    )
    assert generic["title"] == "Thông báo mới"
    assert "493817" not in generic["body"]
    assert "binh.tt" not in generic["body"]
    assert generic["data"] == {"request_id": str(secret.request_id), "org_id": str(secret.org_id)}


async def test_a_request_naming_no_users_is_dead_lettered(service):
    bus = service.bus
    nobody = welcome(user_ids=[], idempotency_key="user.welcome:nobody")
    await publish(bus, [nobody])

    assert await feed_item_count(service) == 0
    letters = await service.rows(
        select(dead_letter.c.consumer, dead_letter.c.topic, dead_letter.c.reason, dead_letter.c.replayed_at),
    )
    assert len(letters) == 1  # delivered twice, dead-lettered once
    consumer, topic, reason, replayed_at = letters[0]
    assert (consumer, topic, replayed_at) == ("notify-service", "notify.request.v1", None)
    assert "names no users" in reason
    assert str(nobody.request_id) in reason
    assert [r.topic for r in bus.dead] == ["notify.request.v1.dlq", "notify.request.v1.dlq"]
    metrics = (await service.client.get("/metrics")).text
    assert 'bus_dead_letters{service="notify-service"} 1.0' in metrics

    # The bad request holds nothing else up.
    user = uuid4()
    await publish(bus, [welcome(user)])
    assert await feed_item_count(service) == 1


async def test_unread_filter_count_limit_and_reading(service):
    user = uuid4()
    bus, client = service.bus, as_user(service, user)
    requests = [welcome(user, idempotency_key=f"user.welcome:{n}") for n in range(3)]
    for request in requests:
        await publish(bus, [request])
    await publish(bus, [welcome(uuid4())])  # someone else's

    feed = (await client.get("/api/v1/notifications/feed")).json()
    assert [i["data"]["request_id"] for i in feed] == [str(r.request_id) for r in reversed(requests)]
    count = await client.get("/api/v1/notifications/feed/unread-count")
    assert count.json() == {"user_id": str(user), "unread": 3}

    oldest = feed[-1]["id"]
    first = await client.post(f"/api/v1/notifications/feed/{oldest}/read")
    assert first.status_code == 200, first.text
    read_at = first.json()["read_at"]
    assert datetime.fromisoformat(read_at).utcoffset() is not None
    again = await client.post(f"/api/v1/notifications/feed/{oldest}/read")
    assert again.status_code == 200
    assert again.json()["read_at"] == read_at

    count = await client.get("/api/v1/notifications/feed/unread-count")
    assert count.json()["unread"] == 2
    unread = (await client.get("/api/v1/notifications/feed", params={"unread": "true"})).json()
    assert [i["id"] for i in unread] == [i["id"] for i in feed[:2]]
    limited = (await client.get("/api/v1/notifications/feed", params={"limit": 1})).json()
    assert [i["id"] for i in limited] == [feed[0]["id"]]
    nobody = await as_user(service, uuid4()).get("/api/v1/notifications/feed/unread-count")
    assert nobody.json()["unread"] == 0


async def test_unknown_item_is_a_problem(service):
    client = as_user(service, uuid4())
    item_id = uuid4()
    response = await client.post(f"/api/v1/notifications/feed/{item_id}/read")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/feed-item-not-found")
    assert str(item_id) in problem["detail"]


@pytest.mark.parametrize(
    ("path", "params", "location"),
    [
        ("/api/v1/notifications/feed", {"limit": 0}, ["query", "limit"]),
        ("/api/v1/notifications/feed", {"limit": 201}, ["query", "limit"]),
        ("/api/v1/notifications/feed", {"unread": "có"}, ["query", "unread"]),
    ],
)
async def test_bad_query_is_a_problem(service, path, params, location):
    client = as_user(service, uuid4())
    response = await client.get(path, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"].startswith(".".join(location))
    assert [e["location"] for e in problem["errors"]] == [location]


@pytest.mark.parametrize("case", REFUSED_CASES)
async def test_a_bad_token_is_refused(service, case):
    user = uuid4()
    await publish(service.bus, [welcome(user)])
    [item] = (await as_user(service, user).get("/api/v1/notifications/feed")).json()
    headers = service.mint.refused(uuid4(), ["clerk"], user_id=user)[case]
    for method, path in (
        ("GET", "/api/v1/notifications/feed"),
        ("GET", "/api/v1/notifications/feed/unread-count"),
        ("POST", f"/api/v1/notifications/feed/{item['id']}/read"),
    ):
        response = await service.client.request(method, path, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
    [still] = (await as_user(service, user).get("/api/v1/notifications/feed")).json()
    assert still["read_at"] is None


async def test_nobody_reads_or_marks_another_users_feed(service):
    an, binh = uuid4(), uuid4()
    await publish(service.bus, [welcome(an), welcome(binh)])
    an_client, binh_client = as_user(service, an), as_user(service, binh)
    [an_item] = (await an_client.get("/api/v1/notifications/feed")).json()

    # The user comes from the token: a user_id in the query is not a way into someone else's feed.
    mine = (await binh_client.get("/api/v1/notifications/feed", params={"user_id": str(an)})).json()
    assert [i["user_id"] for i in mine] == [str(binh)]
    count = await binh_client.get("/api/v1/notifications/feed/unread-count", params={"user_id": str(an)})
    assert count.json() == {"user_id": str(binh), "unread": 1}

    stolen = await binh_client.post(f"/api/v1/notifications/feed/{an_item['id']}/read")
    assert stolen.status_code == 404  # the same answer as for an id that does not exist
    assert stolen.json()["type"].endswith("/feed-item-not-found")
    # Not even a system administrator: feeds may carry links and codes meant for one person.
    admin = service.client_for(uuid4(), ["system_admin", "agency_admin"])
    assert (await admin.post(f"/api/v1/notifications/feed/{an_item['id']}/read")).status_code == 404
    assert (await admin.get("/api/v1/notifications/feed", params={"user_id": str(an)})).json() == []

    [unread] = (await an_client.get("/api/v1/notifications/feed", params={"unread": "true"})).json()
    assert unread["id"] == an_item["id"]
    assert (await an_client.post(f"/api/v1/notifications/feed/{an_item['id']}/read")).status_code == 200


async def test_a_machine_client_has_no_feed(service):
    machine = service.client_for(uuid4(), [], sub="client:national-axis", scope="stats.read")
    response = await machine.get("/api/v1/notifications/feed")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/not-a-person")


async def test_openapi_declares_tokens(service):
    spec = (await service.client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        if path.startswith("/api/"):
            for operation in operations.values():
                assert operation["security"] == [{"bearer": []}], path
                assert "401" in operation["responses"], path
                assert "own feed" in operation["description"], path
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "user_id" not in names, path
