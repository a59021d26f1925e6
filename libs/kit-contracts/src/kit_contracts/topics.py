"""Topic names: ``<service>.<aggregate>.v<N>``; each has a ``<topic>.dlq`` twin for dead letters."""

from typing import Final

ROUTING_ORG: Final = "routing.org.v1"
IDENTITY_USER: Final = "identity.user.v1"
IDENTITY_AUTH: Final = "identity.auth.v1"
NOTIFY_REQUEST: Final = "notify.request.v1"
DOCS_DOCUMENT: Final = "docs.document.v1"
ROUTING_DELIVERY: Final = "routing.delivery.v1"
EGOV_PACKAGE: Final = "egov.package.v1"

ALL: Final = (
    ROUTING_ORG,
    IDENTITY_USER,
    IDENTITY_AUTH,
    NOTIFY_REQUEST,
    DOCS_DOCUMENT,
    ROUTING_DELIVERY,
    EGOV_PACKAGE,
)


def dlq(topic: str) -> str:
    return f"{topic}.dlq"
