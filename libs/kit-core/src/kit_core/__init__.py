"""What every service shares that is not about documents: settings, logs, errors, ids, time, ops,
and who is calling (access tokens verified from the JWKS; roles per agency)."""

from .auth import (
    AUTHENTICATION,
    AUTHORISATION,
    CurrentPrincipal,
    MissingRole,
    NotAuthenticated,
    OtherAgency,
    Principal,
    Role,
    current_principal,
    ensure_agency,
    ensure_roles,
    require_roles,
)
from .clock import Clock, FixedClock, SystemClock
from .errors import (
    PROBLEM_MEDIA_TYPE,
    AppError,
    Conflict,
    Forbidden,
    InvalidToken,
    NotFound,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    bearer_challenge,
    install_error_handlers,
    problem_response,
    problems,
)
from .ids import new_id
from .jwks import JwksVerifier
from .logging import configure as configure_logging
from .logging import get_logger
from .ops import Check, install_platform
from .settings import DEV_SECRET, InsecureSettings, ServiceSettings
from .tracing import (
    current_request_id_var,
    current_traceparent,
    current_traceparent_var,
    new_traceparent,
    trace_id_of,
)

__all__ = [
    "AUTHENTICATION",
    "AUTHORISATION",
    "DEV_SECRET",
    "PROBLEM_MEDIA_TYPE",
    "AppError",
    "Check",
    "Clock",
    "Conflict",
    "CurrentPrincipal",
    "FixedClock",
    "Forbidden",
    "InsecureSettings",
    "InvalidToken",
    "JwksVerifier",
    "MissingRole",
    "NotAuthenticated",
    "NotFound",
    "OtherAgency",
    "Principal",
    "Problem",
    "Role",
    "ServiceSettings",
    "ServiceUnavailable",
    "SystemClock",
    "Unauthorized",
    "bearer_challenge",
    "configure_logging",
    "current_principal",
    "current_request_id_var",
    "current_traceparent",
    "current_traceparent_var",
    "ensure_agency",
    "ensure_roles",
    "get_logger",
    "install_error_handlers",
    "install_platform",
    "new_id",
    "new_traceparent",
    "problem_response",
    "problems",
    "require_roles",
    "trace_id_of",
]
