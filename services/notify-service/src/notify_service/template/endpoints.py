from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Query, status

from kit_core import AUTHENTICATION, MissingRole, Principal, Role, current_principal, problems, require_roles
from kit_db import SessionDep
from notify_service.dependencies import StateDep

from .defaults import KINDS, Text
from .exceptions import ChannelNotAllowed, TemplateInvalid, TemplateVersionNotFound, UnknownKind
from .schemas import ChannelName, Preview, PreviewRequest, Template, TemplateText
from .service import Current, variables
from .service import template as template_service

router = APIRouter(
    prefix="/api/v1/notifications/templates",
    tags=["templates"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION, MissingRole),
)
Reader = Annotated[Principal, Depends(require_roles(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN))]
Editor = Annotated[Principal, Depends(require_roles(Role.SYSTEM_ADMIN))]
Kind = Annotated[str, Path(max_length=64)]
WHO: Final = "System and agency administrators read templates; only system administrators change them."


def _out(current: Current) -> Template:
    text = current.text
    return Template(
        kind=current.kind,
        channel=current.channel,
        version=current.version,
        subject=text.subject,
        body=text.body,
        html=text.html,
        created_at=current.created_at,
        created_by=current.created_by,
        variables=sorted(variables(text.subject, text.body, text.html) - {"app_url"}),
        sample_data=dict(KINDS[current.kind].sample),
    )


@router.get(
    "", response_model=list[Template], description=f"The current template of every kind and channel. {WHO}"
)
async def list_templates(session: SessionDep, _reader: Reader) -> list[Template]:
    return [_out(c) for c in await template_service.all_current(session)]


@router.get(
    "/{kind}/{channel}",
    response_model=Template,
    responses=problems(UnknownKind, ChannelNotAllowed, TemplateVersionNotFound),
    description=f"The current version, or one given version (0: the built-in default). {WHO}",
)
async def get_template(
    kind: Kind,
    channel: ChannelName,
    session: SessionDep,
    _reader: Reader,
    version: Annotated[int | None, Query(ge=0)] = None,
) -> Template:
    if version is None:
        return _out(await template_service.current(session, kind, channel))
    return _out(await template_service.version(session, kind, channel, version))


@router.get(
    "/{kind}/{channel}/versions",
    response_model=list[Template],
    responses=problems(UnknownKind, ChannelNotAllowed),
    description=f"Every saved version, newest first, ending with the built-in default (version 0). {WHO}",
)
async def template_history(
    kind: Kind, channel: ChannelName, session: SessionDep, _reader: Reader
) -> list[Template]:
    return [_out(c) for c in await template_service.history(session, kind, channel)]


@router.put(
    "/{kind}/{channel}",
    response_model=Template,
    status_code=status.HTTP_201_CREATED,
    responses=problems(UnknownKind, ChannelNotAllowed, TemplateInvalid),
    description="Save a new version, used for every request from now on. It must render with the kind's sample "
    "data (Jinja2, sandboxed; every value it reads must exist): otherwise 422 naming the error, and nothing "
    f"is saved. SMS: body only; e-mail: subject, body and html; in-app: subject (the title) and body. {WHO}",
)
async def save_template(
    kind: Kind, channel: ChannelName, body: TemplateText, session: SessionDep, editor: Editor, state: StateDep
) -> Template:
    saved = await template_service.save(
        session,
        kind,
        channel,
        Text(subject=body.subject, body=body.body, html=body.html),
        by=editor.username or editor.subject,
        at=state.clock.now(),
        app_url=state.settings.public_url,
    )
    return _out(saved)


@router.post(
    "/{kind}/{channel}/preview",
    response_model=Preview,
    responses=problems(UnknownKind, ChannelNotAllowed, TemplateInvalid),
    description=f"Render the current (or a given, unsaved) template with given or sample data. {WHO}",
)
async def preview_template(
    kind: Kind,
    channel: ChannelName,
    body: PreviewRequest,
    session: SessionDep,
    _reader: Reader,
    state: StateDep,
) -> Preview:
    if body.template is None:
        current = await template_service.current(session, kind, channel)
        text, version = current.text, current.version
    else:
        text = Text(subject=body.template.subject, body=body.template.body, html=body.template.html)
        version = None
    rendered = template_service.preview(kind, channel, text, body.data, app_url=state.settings.public_url)
    return Preview(
        kind=kind,
        channel=channel,
        version=version,
        subject=rendered.title,
        body=rendered.body,
        html=rendered.html,
    )
