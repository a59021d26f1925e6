"""Templates: Jinja2 in a sandbox with StrictUndefined; each save is a new version, the newest is used.

A kind's texts start as the Vietnamese defaults (version 0, in code); a saved version replaces them.
A template is rendered with the kind's sample data before it is saved, so a template that cannot
render is refused at save time rather than failing at send time. HTML parts are autoescaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy.ext.asyncio import AsyncSession

from kit_core import new_id
from notify_service import models

from .defaults import GENERIC, KINDS, Kind, Text
from .exceptions import ChannelNotAllowed, TemplateInvalid, TemplateVersionNotFound, UnknownKind
from .repository import TemplateRepository

SMS_MAX_CHARS: Final = 480  # a rendered SMS longer than this (about 7 Unicode segments) is refused
TITLE_MAX_CHARS: Final = 255


@lru_cache(maxsize=2)
def _environment(html: bool) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True, auto_reload=False
    )


@lru_cache(maxsize=1024)
def _compile(source: str, html: bool) -> Any:
    return _environment(html).from_string(source)


def variables(*sources: str | None) -> set[str]:
    """The top-level names the sources read (to show, in the feed item, only what the text uses)."""
    env = _environment(False)
    return {
        name for source in sources if source for name in meta.find_undeclared_variables(env.parse(source))
    }


@dataclass(frozen=True)
class Rendered:
    title: str | None
    body: str
    html: str | None
    version: int
    shown: set[str]


def render_text(text: Text, values: Mapping[str, Any], *, version: int) -> Rendered:
    """Render every part; a missing value, a syntax error or a sandbox violation raises TemplateError."""
    title = _compile(text.subject, False).render(values).strip() if text.subject is not None else None
    body = _compile(text.body, False).render(values)
    html = _compile(text.html, True).render(values) if text.html is not None else None
    return Rendered(
        title=title, body=body, html=html, version=version, shown=variables(text.subject, text.body)
    )


def kind_spec(kind: str) -> Kind:
    spec = KINDS.get(kind)
    if spec is None:
        raise UnknownKind(f"no notification kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}")
    return spec


def default_text(kind: str, channel: str) -> Text:
    spec = kind_spec(kind)
    text = spec.texts.get(channel)
    if text is None:
        raise ChannelNotAllowed(
            f"kind {kind!r} is not sent on {channel!r}; its channels: {', '.join(spec.allowed_channels)}"
        )
    return text


@dataclass(frozen=True)
class Current:
    kind: str
    channel: str
    version: int  # 0: the built-in default
    text: Text
    created_at: datetime | None = None
    created_by: str | None = None


def _current(row: models.Template) -> Current:
    return Current(
        kind=row.kind,
        channel=row.channel,
        version=row.version,
        text=Text(subject=row.subject, body=row.body, html=row.html),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def check_parts(channel: str, text: Text) -> None:
    """Each channel has its own parts: SMS one text; e-mail subject, plain and HTML; in-app title and body."""
    wanted = {"sms": (False, False), "email": (True, True), "in_app": (True, False)}[channel]
    if (text.subject is not None) != wanted[0]:
        raise TemplateInvalid(
            f"a {channel} template {'needs' if wanted[0] else 'has no'} "
            f"{'title' if channel == 'in_app' else 'subject'}"
        )
    if (text.html is not None) != wanted[1]:
        raise TemplateInvalid(f"a {channel} template {'needs' if wanted[1] else 'has no'} HTML part")


class TemplateService:
    async def current(self, session: AsyncSession, kind: str, channel: str) -> Current:
        text = default_text(kind, channel)
        row = await TemplateRepository(session).latest(kind, channel)
        return _current(row) if row else Current(kind=kind, channel=channel, version=0, text=text)

    async def version(self, session: AsyncSession, kind: str, channel: str, version: int) -> Current:
        text = default_text(kind, channel)
        if version == 0:
            return Current(kind=kind, channel=channel, version=0, text=text)
        row = await TemplateRepository(session).version(kind, channel, version)
        if row is None:
            raise TemplateVersionNotFound(f"no version {version} of the {kind} {channel} template")
        return _current(row)

    async def history(self, session: AsyncSession, kind: str, channel: str) -> list[Current]:
        text = default_text(kind, channel)
        rows = await TemplateRepository(session).versions(kind, channel)
        return [*(_current(r) for r in rows), Current(kind=kind, channel=channel, version=0, text=text)]

    async def all_current(self, session: AsyncSession) -> list[Current]:
        saved = {(r.kind, r.channel): r for r in await TemplateRepository(session).latest_all()}
        out = []
        for kind, spec in sorted(KINDS.items()):
            for channel, text in spec.texts.items():
                row = saved.get((kind, channel))
                out.append(
                    _current(row) if row else Current(kind=kind, channel=channel, version=0, text=text)
                )
        return out

    def preview(
        self, kind: str, channel: str, text: Text, data: Mapping[str, Any] | None, *, app_url: str
    ) -> Rendered:
        spec = kind_spec(kind)
        default_text(kind, channel)
        check_parts(channel, text)
        values = {"app_url": app_url, **(spec.sample if data is None else data)}
        try:
            rendered = render_text(text, values, version=0)
        except TemplateError as exc:
            raise TemplateInvalid(f"the {kind} {channel} template does not render: {exc}") from None
        if channel == "sms" and len(rendered.body) > SMS_MAX_CHARS:
            raise TemplateInvalid(
                f"the {kind} SMS renders to {len(rendered.body)} characters with the sample data; at most "
                f"{SMS_MAX_CHARS}"
            )
        if rendered.title is not None and len(rendered.title) > TITLE_MAX_CHARS:
            raise TemplateInvalid(
                f"the {kind} {channel} title renders longer than {TITLE_MAX_CHARS} characters"
            )
        return rendered

    async def save(
        self,
        session: AsyncSession,
        kind: str,
        channel: str,
        text: Text,
        *,
        by: str,
        at: datetime,
        app_url: str,
    ) -> Current:
        """A new version, used from now on, once it renders with the kind's sample data."""
        self.preview(kind, channel, text, None, app_url=app_url)
        repo = TemplateRepository(session)
        latest = await repo.latest(kind, channel)
        row = models.Template(
            id=new_id(),
            kind=kind,
            channel=channel,
            version=(latest.version if latest else 0) + 1,
            subject=text.subject,
            body=text.body,
            html=text.html,
            created_at=at,
            created_by=by,
        )
        await repo.add(row)
        return _current(row)

    async def texts_for(
        self, session: AsyncSession, kind: str, channels: Sequence[str]
    ) -> dict[str, tuple[Text, int]]:
        """The text and version to render for each channel of ``kind`` (unknown kinds: the generic in-app text)."""
        spec = KINDS.get(kind)
        if spec is None:
            return {"in_app": (GENERIC, 0)} if "in_app" in channels else {}
        repo = TemplateRepository(session)
        out: dict[str, tuple[Text, int]] = {}
        for channel in channels:
            if channel not in spec.texts:
                continue
            row = await repo.latest(kind, channel)
            out[channel] = (
                (Text(subject=row.subject, body=row.body, html=row.html), row.version)
                if row
                else (spec.texts[channel], 0)
            )
        return out


template = TemplateService()
