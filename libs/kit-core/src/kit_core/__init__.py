"""What every service shares that is not about documents: settings, logs, errors, ids, time, ops."""

from .clock import Clock, FixedClock, SystemClock
from .errors import (
    PROBLEM_MEDIA_TYPE,
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ServiceUnavailable,
    Unauthorized,
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
    "DEV_SECRET",
    "PROBLEM_MEDIA_TYPE",
    "AppError",
    "Check",
    "Clock",
    "Conflict",
    "FixedClock",
    "Forbidden",
    "InsecureSettings",
    "JwksVerifier",
    "NotFound",
    "Problem",
    "ServiceSettings",
    "ServiceUnavailable",
    "SystemClock",
    "Unauthorized",
    "configure_logging",
    "current_request_id_var",
    "current_traceparent",
    "current_traceparent_var",
    "get_logger",
    "install_error_handlers",
    "install_platform",
    "new_id",
    "new_traceparent",
    "problem_response",
    "problems",
    "trace_id_of",
]
