from typing import Annotated

from fastapi import Depends

from kit_core import Principal, Role, require_roles

NotifyAdmin = Annotated[Principal, Depends(require_roles(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN))]
