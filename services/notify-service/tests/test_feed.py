import asyncio
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from notify_harness import sse
from sqlalchemy import func, insert, select

from kit_bus import dead_letter
from kit_bus.testing import eventually
from kit_core import new_id
from kit_core.testing import REFUSED_CASES
from notify_service import models

WELCOME = {"full_name": "Nguyễn Văn An", "username": "an.nv", "agency_name": "UBND tỉnh Ninh Bình"}


async def feed_item_count(notify):
    return await notify.running.scalar(select(func.count()).select_from(models.FeedItem))


async def feed_of(notify, user, **params):
    response = await notify.as_user(user).get("/api/v1/notifications/feed", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_each_named_user_gets_one_welcome(notify):
    an, binh = uuid4(), uuid4()
    request = await notify.request(
        user_ids=[an, binh, binh], idempotency_key="user.welcome:batch-1", org_id=uuid4()
    )
    settled = await notify.settled("user.welcome:batch-1")
    assert sorted(
        (d["user_id"], d["channel"]) for d in settled["deliveries"] if d["channel"] == "in_app"
    ) == sorted([(str(an), "in_app"), (str(binh), "in_app")])
    assert await feed_item_count(notify) == 2

    # The same request again under a new event id (a producer retry): the key makes it a no-op.
    await notify.request(**(request.model_dump() | {"request_id": uuid4()}))
    await notify.request(user_ids=[uuid4()], idempotency_key="later")  # handled after the repeat
    await notify.settled("later")
    assert await feed_item_count(notify) == 3
    assert len((await notify.admin().get("/api/v1/notifications")).json()) == 2

    [item] = await feed_of(notify, an)
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


async def test_missing_values_fail_the_delivery_and_unknown_kinds_tell_nothing(notify):
    user = uuid4()
    await notify.request(user_ids=[user], data={"full_name": "Trần Thị Bình"}, idempotency_key="partial")
    await notify.request(
        user_ids=[user],
        kind="otp.code",
        data={"code": "493817", "username": "binh.tt"},
        idempotency_key="otp:1",
    )
    partial = await notify.settled("partial")
    failed = [d for d in partial["deliveries"] if d["channel"] == "in_app"]
    assert [d["status"] for d in failed] == ["permanent-failure"]
    assert "username" in failed[0]["error"]  # the value the template needed and the request lacked
    assert failed[0]["attempts"] == 0

    await notify.settled("otp:1")
    [generic] = await feed_of(notify, user)
    assert generic["kind"] == "otp.code"
    assert generic["title"] == "Thông báo mới"
    assert "493817" not in generic["body"]
    assert "binh.tt" not in generic["body"]
    assert set(generic["data"]) == {"request_id", "org_id"}


async def test_a_request_naming_no_users_is_dead_lettered(notify):
    nobody = await notify.request(user_ids=[], idempotency_key="user.welcome:nobody")

    async def letters():
        return await notify.running.rows(
            select(
                dead_letter.c.consumer, dead_letter.c.topic, dead_letter.c.reason, dead_letter.c.replayed_at
            )
        )

    [letter] = await eventually(letters)  # delivered twice, dead-lettered once
    consumer, topic, reason, replayed_at = letter
    assert (consumer, topic, replayed_at) == ("notify-service", "notify.request.v1", None)
    assert "names no users" in reason
    assert str(nobody.request_id) in reason
    metrics = (await notify.client.get("/metrics")).text
    assert 'bus_dead_letters{service="notify-service"} 1.0' in metrics

    # The bad request holds nothing else up.
    await notify.request(user_ids=[uuid4()], idempotency_key="after")
    await notify.settled("after")
    assert await feed_item_count(notify) == 1


async def test_unread_filter_count_limit_and_reading(notify):
    user = uuid4()
    client = notify.as_user(user)
    requests = []
    for n in range(3):
        requests.append(await notify.request(user_ids=[user], idempotency_key=f"user.welcome:{n}"))
        await notify.settled(f"user.welcome:{n}")
        notify.clock.advance(timedelta(seconds=1))
    await notify.request(user_ids=[uuid4()], idempotency_key="someone-else")
    await notify.settled("someone-else")

    feed = await feed_of(notify, user)
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
    unread = await feed_of(notify, user, unread="true")
    assert [i["id"] for i in unread] == [i["id"] for i in feed[:2]]
    limited = await feed_of(notify, user, limit=1)
    assert [i["id"] for i in limited] == [feed[0]["id"]]
    nobody = await notify.as_user(uuid4()).get("/api/v1/notifications/feed/unread-count")
    assert nobody.json()["unread"] == 0


async def test_unknown_item_is_a_problem(notify):
    item_id = uuid4()
    response = await notify.as_user(uuid4()).post(f"/api/v1/notifications/feed/{item_id}/read")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/feed-item-not-found")
    assert str(item_id) in problem["detail"]


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 201}, ["query", "limit"]),
        ({"unread": "có"}, ["query", "unread"]),
    ],
)
async def test_bad_query_is_a_problem(notify, params, location):
    response = await notify.as_user(uuid4()).get("/api/v1/notifications/feed", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["detail"].startswith(".".join(location))
    assert [e["location"] for e in problem["errors"]] == [location]


@pytest.mark.parametrize("case", REFUSED_CASES)
async def test_a_bad_token_is_refused(notify, case):
    user = uuid4()
    await notify.request(user_ids=[user], idempotency_key="k")
    await notify.settled("k")
    [item] = await feed_of(notify, user)
    headers = notify.running.mint.refused(uuid4(), ["clerk"], user_id=user)[case]
    for method, path in (
        ("GET", "/api/v1/notifications/feed"),
        ("GET", "/api/v1/notifications/feed/unread-count"),
        ("GET", "/api/v1/notifications/feed/stream"),
        ("POST", f"/api/v1/notifications/feed/{item['id']}/read"),
    ):
        response = await notify.client.request(method, path, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
    [still] = await feed_of(notify, user)
    assert still["read_at"] is None


async def test_nobody_reads_or_marks_another_users_feed(notify):
    an, binh = uuid4(), uuid4()
    await notify.request(user_ids=[an], idempotency_key="an")
    await notify.request(user_ids=[binh], idempotency_key="binh")
    await notify.settled("an")
    await notify.settled("binh")
    an_client, binh_client = notify.as_user(an), notify.as_user(binh)
    [an_item] = await feed_of(notify, an)

    # The user comes from the token: a user_id in the query is not a way into someone else's feed.
    mine = (await binh_client.get("/api/v1/notifications/feed", params={"user_id": str(an)})).json()
    assert [i["user_id"] for i in mine] == [str(binh)]
    count = await binh_client.get("/api/v1/notifications/feed/unread-count", params={"user_id": str(an)})
    assert count.json() == {"user_id": str(binh), "unread": 1}

    stolen = await binh_client.post(f"/api/v1/notifications/feed/{an_item['id']}/read")
    assert stolen.status_code == 404  # the same answer as for an id that does not exist
    assert stolen.json()["type"].endswith("/feed-item-not-found")
    # Not even a system administrator: feeds may carry links and codes meant for one person.
    admin = notify.running.client_for(uuid4(), ["system_admin", "agency_admin"])
    assert (await admin.post(f"/api/v1/notifications/feed/{an_item['id']}/read")).status_code == 404
    assert (await admin.get("/api/v1/notifications/feed", params={"user_id": str(an)})).json() == []

    [unread] = (await an_client.get("/api/v1/notifications/feed", params={"unread": "true"})).json()
    assert unread["id"] == an_item["id"]
    assert (await an_client.post(f"/api/v1/notifications/feed/{an_item['id']}/read")).status_code == 200


async def test_a_machine_client_has_no_feed(notify):
    machine = notify.running.client_for(uuid4(), [], sub="client:national-axis", scope="stats.read")
    for path in ("/api/v1/notifications/feed", "/api/v1/notifications/feed/stream", "/api/v1/preferences"):
        response = await machine.get(path)
        assert response.status_code == 403, path
        assert response.json()["type"].endswith("/not-a-person")


async def test_the_live_stream_pushes_my_new_items_at_once(notify):
    an, binh = uuid4(), uuid4()
    headers = notify.running.headers(uuid4(), ["clerk"], user_id=an)
    async with sse(notify, headers) as events:
        await notify.request(user_ids=[binh], idempotency_key="binh-only")
        await notify.request(user_ids=[an], idempotency_key="an-1")
        first = await asyncio_wait(events)
        assert first["event"] == "notification"
        assert first["user_id"] == str(an)
        assert first["title"] == "Chào mừng đến với hệ thống quản lý văn bản"
        [stored] = await feed_of(notify, an)
        assert stored["id"] == first["id"]
        assert events.empty()  # binh's item never reached an's stream

    # Reconnecting with Last-Event-ID first replays what arrived in between, then streams live.
    await notify.request(user_ids=[an], idempotency_key="an-2")
    await notify.settled("an-2")
    async with sse(notify, headers | {"Last-Event-ID": first["id"]}) as events:
        missed = await asyncio_wait(events)
        assert missed["data"]["request_id"] != first["data"]["request_id"]
        await notify.request(user_ids=[an], idempotency_key="an-3")
        live = await asyncio_wait(events)
        assert live["id"] > missed["id"]
    assert notify.state.hub.streams == 0


async def asyncio_wait(queue, seconds=10):
    return await asyncio.wait_for(queue.get(), timeout=seconds)


async def test_openapi_declares_tokens(notify):
    spec = (await notify.client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        if path.startswith("/api/"):
            for operation in operations.values():
                assert operation["security"] == [{"bearer": []}], path
                assert "401" in operation["responses"], path
                if path.startswith("/api/v1/notifications/feed"):
                    assert "own feed" in operation["description"], path
                    names = [p["name"] for p in operation.get("parameters", [])]
                    assert "user_id" not in names, path


@pytest.mark.parametrize("overrides", [{"feed_poll_seconds": 0.1}])
async def test_the_live_stream_also_carries_what_another_process_delivered(notify):
    """A worker in another process (distributed mode: API and worker apart) writes the item; the
    stream reads it from the database on its next poll."""
    an = uuid4()
    await notify.request(user_ids=[an], idempotency_key="before")
    await notify.settled("before")
    headers = notify.running.headers(uuid4(), ["clerk"], user_id=an)
    async with sse(notify, headers) as events:
        item_id = new_id()
        await notify.execute(
            insert(models.FeedItem).values(
                id=item_id,
                user_id=an,
                kind="document.arrived",
                title="Có văn bản đến mới",
                body="Sở Nội vụ đã gửi văn bản số 7/SNV: Về việc khác.",
                data={},
                idempotency_key="elsewhere",
                created_at=notify.clock.now(),
                read_at=None,
            )
        )
        arrived = await asyncio_wait(events, seconds=5)
        assert arrived["id"] == str(item_id)
        assert arrived["title"] == "Có văn bản đến mới"
        await asyncio.sleep(0.5)  # several polls later: neither it nor the item from before again
        assert events.empty()
