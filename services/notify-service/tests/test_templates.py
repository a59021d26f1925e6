"""Templates: Vietnamese defaults for every kind, versions, validation at save time, preview."""

import re
from uuid import uuid4

import pytest

from notify_service.template.defaults import KINDS
from notify_service.template.service import render_text

KIND_NAMES = [
    "user.welcome",
    "auth.otp",
    "auth.password_reset",
    "document.arrived",
    "document.returned",
    "assignment.created",
    "assignment.due_soon",
    "assignment.overdue",
    "delivery.status_changed",
    "document.recalled",
    "digest.daily",
    "webhook.paused",
]
VIETNAMESE = re.compile(
    r"[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]", re.IGNORECASE
)


@pytest.mark.parametrize(("kind", "channel"), [(k, c) for k in KIND_NAMES for c in KINDS[k].texts])
def test_every_default_renders_its_sample_in_vietnamese(kind, channel):
    text = KINDS[kind].texts[channel]
    rendered = render_text(text, {"app_url": "http://127.0.0.1:8000", **KINDS[kind].sample}, version=0)
    assert VIETNAMESE.search(rendered.body), rendered.body
    assert (rendered.title is None) == (channel == "sms")
    assert (rendered.html is None) == (channel != "email")
    if channel == "sms":
        assert len(rendered.body) <= 160 * 2
    assert "{{" not in rendered.body


def test_an_otp_has_no_in_app_text():
    assert "in_app" not in KINDS["auth.otp"].texts


async def test_the_list_shows_every_kind_and_channel_at_version_zero(notify):
    response = await notify.running.client_for(uuid4(), ["agency_admin"]).get(
        "/api/v1/notifications/templates"
    )
    assert response.status_code == 200, response.text
    templates = response.json()
    assert {t["kind"] for t in templates} == set(KIND_NAMES)
    assert {t["version"] for t in templates} == {0}
    arrived = next(t for t in templates if (t["kind"], t["channel"]) == ("document.arrived", "in_app"))
    assert arrived["subject"] == "Có văn bản đến mới"
    assert arrived["variables"] == ["number", "sender_name", "subject"]
    assert arrived["sample_data"]["number"] == "123/SNV-VP"


async def test_a_saved_version_is_used_from_then_on(notify):
    admin = notify.admin()
    saved = await admin.put(
        "/api/v1/notifications/templates/user.welcome/in_app",
        json={"subject": "Chào {{ full_name }}", "body": "Tài khoản {{ username }} đã sẵn sàng."},
    )
    assert saved.status_code == 201, saved.text
    assert (saved.json()["version"], saved.json()["created_by"]) == (1, "quantri")
    user = uuid4()
    await notify.request(user_ids=[user], idempotency_key="v1")
    [delivery] = (await notify.settled("v1"))["deliveries"]
    assert delivery["template_version"] == 1
    [item] = (await notify.as_user(user).get("/api/v1/notifications/feed")).json()
    assert (item["title"], item["body"]) == ("Chào Nguyễn Văn An", "Tài khoản an.nv đã sẵn sàng.")

    again = await admin.put(
        "/api/v1/notifications/templates/user.welcome/in_app",
        json={"subject": "Xin chào", "body": "Chào mừng {{ full_name }}."},
    )
    assert again.json()["version"] == 2
    history = (await admin.get("/api/v1/notifications/templates/user.welcome/in_app/versions")).json()
    assert [t["version"] for t in history] == [2, 1, 0]
    first = (
        await admin.get("/api/v1/notifications/templates/user.welcome/in_app", params={"version": 1})
    ).json()
    assert first["subject"] == "Chào {{ full_name }}"
    current = (await admin.get("/api/v1/notifications/templates/user.welcome/in_app")).json()
    assert current["version"] == 2
    missing = await admin.get("/api/v1/notifications/templates/user.welcome/in_app", params={"version": 9})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("channel", "template", "says"),
    [
        ("in_app", {"subject": "Chào {{ ho_ten }}", "body": "x"}, "ho_ten"),
        ("in_app", {"subject": "Chào {{ full_name ", "body": "x"}, "does not render"),
        ("in_app", {"subject": "{{ ''.__class__.__mro__ }}", "body": "x"}, "does not render"),
        ("in_app", {"subject": "Chào", "body": "{{ username.__class__ }}"}, "does not render"),
        ("in_app", {"body": "thiếu tiêu đề"}, "needs title"),
        ("sms", {"subject": "x", "body": "y"}, "has no subject"),
        ("email", {"subject": "x", "body": "y"}, "needs HTML part"),
        ("sms", {"body": "{% for i in range(100) %}{{ username }}{% endfor %}"}, "at most"),
    ],
)
async def test_a_template_that_does_not_render_is_refused_at_save_time(notify, channel, template, says):
    admin = notify.admin()
    response = await admin.put(f"/api/v1/notifications/templates/user.welcome/{channel}", json=template)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/template-invalid")
    assert says in problem["detail"]
    versions = (await admin.get(f"/api/v1/notifications/templates/user.welcome/{channel}/versions")).json()
    assert [t["version"] for t in versions] == [0]  # nothing saved


async def test_preview_with_sample_or_given_data_escapes_html(notify):
    client = notify.running.client_for(uuid4(), ["agency_admin"])
    path = "/api/v1/notifications/templates/document.arrived/email/preview"
    sample = await client.post(path, json={})
    assert sample.status_code == 200, sample.text
    assert sample.json()["subject"] == "Văn bản đến: 123/SNV-VP"
    assert sample.json()["version"] == 0
    given = await client.post(
        path, json={"data": {"sender_name": "<b>Sở</b>", "number": "9/X", "subject": "Về việc & khác"}}
    )
    preview = given.json()
    assert "&lt;b&gt;Sở&lt;/b&gt; đã gửi" in preview["html"]
    assert "Về việc &amp; khác" in preview["html"]
    assert "<b>Sở</b> đã gửi" in preview["body"]  # the plain part is not HTML
    unsaved = await client.post(
        path, json={"template": {"subject": "S {{ number }}", "body": "B", "html": "<p>{{ number }}</p>"}}
    )
    assert (unsaved.json()["subject"], unsaved.json()["html"], unsaved.json()["version"]) == (
        "S 123/SNV-VP",
        "<p>123/SNV-VP</p>",
        None,
    )
    lacking = await client.post(path, json={"data": {"number": "9/X"}})
    assert lacking.status_code == 422
    assert "sender_name" in lacking.json()["detail"]


async def test_who_may_read_and_change_templates(notify):
    agency_admin = notify.running.client_for(uuid4(), ["agency_admin"])
    clerk = notify.running.client_for(uuid4(), ["clerk"])
    text = {"subject": "x", "body": "y"}
    assert (
        await agency_admin.put("/api/v1/notifications/templates/user.welcome/in_app", json=text)
    ).status_code == 403
    assert (await clerk.get("/api/v1/notifications/templates")).status_code == 403
    unknown = await notify.admin().put("/api/v1/notifications/templates/no.such/in_app", json=text)
    assert (unknown.status_code, unknown.json()["type"].split("/")[-1]) == (404, "unknown-kind")
    otp_feed = await notify.admin().put("/api/v1/notifications/templates/auth.otp/in_app", json=text)
    assert (otp_feed.status_code, otp_feed.json()["type"].split("/")[-1]) == (404, "channel-not-allowed")
