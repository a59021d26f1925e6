from typing import Annotated, Final

from fastapi import Depends

from kit_core import Principal, Role, require_roles, require_scopes

READ_SCOPE: Final = "notifications.read"
SEND_SCOPE: Final = "notifications.send"

NotifyAdmin = Annotated[Principal, Depends(require_roles(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN))]
# Administrators, and machine clients (the requesting services' and partners' client credentials)
# holding the scope; a client, like an agency administrator, is bound to its token's agency.
NotifyReader = Annotated[
    Principal, Depends(require_scopes(READ_SCOPE, roles=(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN)))
]
NotifySender = Annotated[
    Principal, Depends(require_scopes(SEND_SCOPE, roles=(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN)))
]


def source_of(principal: Principal) -> str:
    """How a REST caller is recorded as a notification's source: ``client:<client id>`` for a machine
    client, ``api:<subject>`` for a person (events record the producing service)."""
    if principal.is_client and principal.client_id:
        return f"client:{principal.client_id}"
    return f"api:{principal.subject}"
