from typing import Annotated, Final

from fastapi import Depends

from kit_core import Principal, require_scopes

SCOPE: Final = "exchange.files"

# Machine clients only (egov-gateway's client credentials); a person's token is refused.
ExchangeClient = Annotated[Principal, Depends(require_scopes(SCOPE))]
