"""The Vietnamese texts every kind starts with (version 0), the sample data that proves a template
renders, and the channels a kind goes to when neither the request nor the user says otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final


@dataclass(frozen=True)
class Text:
    subject: str | None  # e-mail subject; in-app title; None for SMS
    body: str  # SMS text; e-mail plain part; in-app body
    html: str | None = None  # e-mail only


@dataclass(frozen=True)
class Kind:
    description: str
    sample: Mapping[str, Any]
    channels: tuple[str, ...]  # when the request names none and the user chose nothing
    texts: Mapping[str, Text] = field(default_factory=dict)  # by channel

    @property
    def allowed_channels(self) -> tuple[str, ...]:
        return tuple(self.texts)


def _email(subject: str, lines: list[str]) -> Text:
    """An e-mail whose HTML part says what the plain part says, one paragraph per line."""
    plain = "\n\n".join(lines) + "\n\n--\nHệ thống quản lý văn bản điện tử\n"
    html = (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><body>'
        + "".join(f"<p>{line}</p>" for line in lines)
        + '<hr><p style="color:#666">Hệ thống quản lý văn bản điện tử</p></body></html>'
    )
    return Text(subject=subject, body=plain, html=html)


_DOC = "văn bản số {{ number }}: {{ subject }}"

KINDS: Final[Mapping[str, Kind]] = {
    "user.welcome": Kind(
        description="a new account was created",
        sample={"full_name": "Nguyễn Văn An", "username": "an.nv", "agency_name": "UBND tỉnh Ninh Bình"},
        channels=("in_app", "email"),
        texts={
            "in_app": Text(
                subject="Chào mừng đến với hệ thống quản lý văn bản",
                body="Xin chào {{ full_name }}, tài khoản {{ username }} của bạn tại {{ agency_name }} đã được tạo.",
            ),
            "email": _email(
                "Tài khoản của bạn đã được tạo",
                [
                    "Xin chào {{ full_name }},",
                    "Tài khoản {{ username }} của bạn tại {{ agency_name }} đã được tạo trên hệ thống "
                    "quản lý văn bản điện tử.",
                    "Đăng nhập tại: {{ app_url }}",
                ],
            ),
            "sms": Text(
                subject=None,
                body="Tài khoản {{ username }} tại {{ agency_name }} đã được tạo. Đăng nhập: {{ app_url }}",
            ),
        },
    ),
    "auth.otp": Kind(
        description="a one-time sign-in code; never shown in the in-app feed",
        sample={"code": "493817", "minutes": 5},
        channels=("sms",),
        texts={
            "sms": Text(
                subject=None,
                body="Mã xác thực của bạn là {{ code }}, có hiệu lực trong {{ minutes }} phút. "
                "Không chia sẻ mã này với bất kỳ ai.",
            ),
            "email": _email(
                "Mã xác thực đăng nhập",
                [
                    "Mã xác thực của bạn là {{ code }}.",
                    "Mã có hiệu lực trong {{ minutes }} phút. Không chia sẻ mã này với bất kỳ ai.",
                ],
            ),
        },
    ),
    "auth.password_reset": Kind(
        description="a link to choose a new password",
        sample={
            "full_name": "Nguyễn Văn An",
            "link": "https://vanban.example/dat-lai-mat-khau?t=abc",
            "minutes": 30,
        },
        channels=("email",),
        texts={
            "email": _email(
                "Đặt lại mật khẩu",
                [
                    "Xin chào {{ full_name }},",
                    "Để đặt lại mật khẩu, vui lòng mở liên kết sau trong vòng {{ minutes }} phút: {{ link }}",
                    "Nếu bạn không yêu cầu đặt lại mật khẩu, hãy bỏ qua thư này.",
                ],
            ),
            "sms": Text(subject=None, body="Đặt lại mật khẩu trong {{ minutes }} phút tại: {{ link }}"),
        },
    ),
    "document.arrived": Kind(
        description="a document arrived in the agency's incoming register",
        sample={
            "sender_name": "Sở Nội vụ tỉnh Ninh Bình",
            "number": "123/SNV-VP",
            "subject": "Về việc họp giao ban",
        },
        channels=("in_app", "email"),
        texts={
            "in_app": Text(subject="Có văn bản đến mới", body="{{ sender_name }} đã gửi " + _DOC + "."),
            "email": _email(
                "Văn bản đến: {{ number }}",
                ["{{ sender_name }} đã gửi " + _DOC + ".", "Xem văn bản tại: {{ app_url }}"],
            ),
            "sms": Text(
                subject=None, body="Văn bản đến từ {{ sender_name }}: số {{ number }}, {{ subject }}"
            ),
        },
    ),
    "document.returned": Kind(
        description="a recipient returned a document",
        sample={
            "recipient_name": "UBND huyện Hoa Lư",
            "number": "45/UBND-VP",
            "subject": "Về việc báo cáo tình hình",
            "reason": "Gửi nhầm đơn vị",
        },
        channels=("in_app", "email"),
        texts={
            "in_app": Text(
                subject="Văn bản bị trả lại",
                body="{{ recipient_name }} đã trả lại " + _DOC + ". Lý do: {{ reason }}.",
            ),
            "email": _email(
                "Văn bản bị trả lại: {{ number }}",
                ["{{ recipient_name }} đã trả lại " + _DOC + ".", "Lý do: {{ reason }}."],
            ),
            "sms": Text(
                subject=None, body="{{ recipient_name }} trả lại văn bản số {{ number }}. Lý do: {{ reason }}"
            ),
        },
    ),
    "assignment.created": Kind(
        description="someone was assigned a document to handle",
        sample={
            "assigner_name": "Trần Thị Bình",
            "number": "123/SNV-VP",
            "subject": "Về việc họp giao ban",
            "due_date": "05/12/2026",
        },
        channels=("in_app", "email"),
        texts={
            "in_app": Text(
                subject="Bạn được giao xử lý văn bản",
                body="{{ assigner_name }} đã giao bạn xử lý " + _DOC + ". Hạn xử lý: {{ due_date }}.",
            ),
            "email": _email(
                "Giao xử lý văn bản: {{ number }}",
                ["{{ assigner_name }} đã giao bạn xử lý " + _DOC + ".", "Hạn xử lý: {{ due_date }}."],
            ),
            "sms": Text(subject=None, body="Bạn được giao xử lý văn bản số {{ number }}, hạn {{ due_date }}"),
        },
    ),
    "assignment.due_soon": Kind(
        description="an assignment's deadline is near",
        sample={"number": "123/SNV-VP", "subject": "Về việc họp giao ban", "due_date": "05/12/2026"},
        channels=("in_app", "email"),
        texts={
            "in_app": Text(
                subject="Văn bản sắp đến hạn xử lý",
                body=_DOC[0].upper() + _DOC[1:] + " sẽ đến hạn xử lý vào ngày {{ due_date }}.",
            ),
            "email": _email(
                "Sắp đến hạn xử lý: {{ number }}",
                [_DOC[0].upper() + _DOC[1:] + " sẽ đến hạn xử lý vào ngày {{ due_date }}."],
            ),
            "sms": Text(subject=None, body="Văn bản số {{ number }} sắp đến hạn xử lý ({{ due_date }})"),
        },
    ),
    "assignment.overdue": Kind(
        description="an assignment is past its deadline",
        sample={"number": "123/SNV-VP", "subject": "Về việc họp giao ban", "due_date": "05/12/2026"},
        channels=("in_app", "email"),
        texts={
            "in_app": Text(
                subject="Văn bản đã quá hạn xử lý",
                body=_DOC[0].upper() + _DOC[1:] + " đã quá hạn xử lý từ ngày {{ due_date }}.",
            ),
            "email": _email(
                "Quá hạn xử lý: {{ number }}",
                [_DOC[0].upper() + _DOC[1:] + " đã quá hạn xử lý từ ngày {{ due_date }}."],
            ),
            "sms": Text(subject=None, body="Văn bản số {{ number }} đã quá hạn xử lý từ ngày {{ due_date }}"),
        },
    ),
    "delivery.status_changed": Kind(
        description="a sent document changed status at a recipient (received, returned, …)",
        sample={
            "number": "45/UBND-VP",
            "subject": "Về việc báo cáo tình hình",
            "recipient_name": "UBND huyện Hoa Lư",
            "status_text": "Đã tiếp nhận",
        },
        channels=("in_app",),
        texts={
            "in_app": Text(
                subject="Cập nhật trạng thái văn bản đi",
                body=_DOC[0].upper() + _DOC[1:] + " tại {{ recipient_name }}: {{ status_text }}.",
            ),
            "email": _email(
                "Trạng thái văn bản {{ number }}: {{ status_text }}",
                [_DOC[0].upper() + _DOC[1:] + " tại {{ recipient_name }}: {{ status_text }}."],
            ),
            "sms": Text(
                subject=None, body="Văn bản số {{ number }} tại {{ recipient_name }}: {{ status_text }}"
            ),
        },
    ),
    "document.recalled": Kind(
        description="the sender recalled a document",
        sample={
            "sender_name": "Sở Nội vụ tỉnh Ninh Bình",
            "number": "123/SNV-VP",
            "subject": "Về việc họp giao ban",
            "reason": "Ban hành nhầm",
        },
        channels=("in_app", "email"),
        texts={
            "in_app": Text(
                subject="Văn bản bị thu hồi",
                body="{{ sender_name }} đã thu hồi " + _DOC + ". Lý do: {{ reason }}.",
            ),
            "email": _email(
                "Thu hồi văn bản: {{ number }}",
                ["{{ sender_name }} đã thu hồi " + _DOC + ".", "Lý do: {{ reason }}."],
            ),
            "sms": Text(
                subject=None, body="{{ sender_name }} thu hồi văn bản số {{ number }}. Lý do: {{ reason }}"
            ),
        },
    ),
    "webhook.paused": Kind(
        description="a partner webhook kept failing and was paused",
        sample={"url": "https://doitac.example.vn/hooks", "failures": 5, "reason": "HTTP 503"},
        channels=("in_app", "email"),
        texts={
            "in_app": Text(
                subject="Webhook của đối tác đã bị tạm dừng",
                body="Webhook tới {{ url }} đã bị tạm dừng sau {{ failures }} lần gửi thất bại liên tiếp "
                "({{ reason }}). Hãy kiểm tra máy nhận rồi bấm tiếp tục để gửi lại các sự kiện đang chờ.",
            ),
            "email": _email(
                "Webhook đã bị tạm dừng: {{ url }}",
                [
                    "Webhook tới {{ url }} đã bị tạm dừng sau {{ failures }} lần gửi thất bại liên tiếp "
                    "({{ reason }}).",
                    "Các sự kiện mới vẫn được lưu lại; hãy kiểm tra máy nhận rồi tiếp tục webhook để gửi chúng.",
                ],
            ),
        },
    ),
    "assignment.completed": Kind(
        description="an assignment was completed: it leaves the daily digest (nobody is messaged)",
        sample={"assignment_id": "a1", "number": "123/SNV-VP"},
        channels=(),
        texts={},
    ),
    "digest.daily": Kind(
        description="the day's pending and overdue work",
        sample={
            "full_name": "Nguyễn Văn An",
            "pending": 2,
            "overdue": 1,
            "items": [
                {
                    "number": "123/SNV-VP",
                    "subject": "Về việc họp giao ban",
                    "due_date": "05/12/2026",
                    "overdue": False,
                },
                {
                    "number": "45/UBND-VP",
                    "subject": "Về việc báo cáo tình hình",
                    "due_date": "20/11/2026",
                    "overdue": True,
                },
            ],
        },
        channels=("email",),
        texts={
            "email": _email(
                "Tổng hợp công việc hằng ngày",
                [
                    "Xin chào {{ full_name }},",
                    "Bạn có {{ pending }} văn bản đang chờ xử lý, trong đó {{ overdue }} văn bản đã quá hạn.",
                    "{% for item in items %}• Văn bản số {{ item.number }}: {{ item.subject }}"
                    "{% if item.due_date %} (hạn xử lý {{ item.due_date }}{% if item.overdue %}, đã quá hạn{% endif %})"
                    "{% endif %}\n{% endfor %}",
                    "Xem chi tiết tại: {{ app_url }}",
                ],
            ),
            "in_app": Text(
                subject="Tổng hợp công việc hằng ngày",
                body="Bạn có {{ pending }} văn bản đang chờ xử lý, trong đó {{ overdue }} văn bản đã quá hạn.",
            ),
            "sms": Text(
                subject=None, body="Bạn có {{ pending }} văn bản chờ xử lý, {{ overdue }} văn bản quá hạn."
            ),
        },
    ),
}

# An unknown kind says nothing about its data: it may carry anything, codes and tokens included.
GENERIC: Final = Text(
    subject="Thông báo mới",
    body="Bạn có một thông báo mới. Vui lòng mở hệ thống quản lý văn bản để xem chi tiết.",
)
