from typing import Annotated

from fastapi import Depends, Request

from .context import Signing


def signing(request: Request) -> Signing:
    found: Signing = request.app.state.signing
    return found


SigningDep = Annotated[Signing, Depends(signing)]
