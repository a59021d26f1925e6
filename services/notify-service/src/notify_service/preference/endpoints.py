from typing import Final

from fastapi import APIRouter, Depends

from kit_core import AUTHENTICATION, current_principal, problems
from kit_db import SessionDep
from notify_service.dependencies import StateDep
from notify_service.feed.dependencies import FeedOwner
from notify_service.feed.exceptions import NotAPerson
from notify_service.template.defaults import KINDS

from .exceptions import DuplicateChoice, UnknownPreferenceKind
from .schemas import Choice, Preferences, QuietHours
from .service import preference as preference_service

router = APIRouter(
    prefix="/api/v1/preferences",
    tags=["preferences"],
    dependencies=[Depends(current_principal)],
    responses=problems(*AUTHENTICATION, NotAPerson),
)
RULE: Final = "Only the signed-in user's own preferences: the user comes from the access token."


@router.get("", response_model=Preferences, description=f"My choices and quiet hours. {RULE}")
async def get_preferences(session: SessionDep, user_id: FeedOwner) -> Preferences:
    rows, quiet = await preference_service.of_user(session, user_id)
    return Preferences(
        choices=[Choice.model_validate(r) for r in rows],
        quiet_hours=QuietHours.model_validate(quiet) if quiet else None,
    )


@router.put(
    "",
    response_model=Preferences,
    responses=problems(UnknownPreferenceKind, DuplicateChoice),
    description=f"Replace my choices and quiet hours (what is left out is back to the defaults). {RULE}",
)
async def put_preferences(
    body: Preferences, session: SessionDep, user_id: FeedOwner, state: StateDep
) -> Preferences:
    seen: set[tuple[str, str]] = set()
    for choice in body.choices:
        if choice.kind != "*" and choice.kind not in KINDS:
            raise UnknownPreferenceKind(
                f"no notification kind {choice.kind!r}; known: *, {', '.join(sorted(KINDS))}"
            )
        if (choice.kind, choice.channel) in seen:
            raise DuplicateChoice(f"{choice.kind} on {choice.channel} is chosen twice")
        seen.add((choice.kind, choice.channel))
    rows, quiet = await preference_service.replace(
        session,
        user_id,
        [(c.kind, c.channel, c.enabled) for c in body.choices],
        (body.quiet_hours.start, body.quiet_hours.end) if body.quiet_hours else None,
        at=state.clock.now(),
    )
    return Preferences(
        choices=[Choice.model_validate(r) for r in rows],
        quiet_hours=QuietHours.model_validate(quiet) if quiet else None,
    )
