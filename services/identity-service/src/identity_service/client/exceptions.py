from kit_core import AppError, Conflict, NotFound


class ClientNotFound(NotFound):
    title = "Client not found"
    code = "client-not-found"


class UnknownScope(AppError):
    status = 422
    title = "Unknown scope"
    code = "unknown-scope"


class ServiceClientRefused(AppError):
    """``clients ensure`` (the CLI) was given something it cannot make a service client of."""

    status = 422
    title = "Service client refused"
    code = "service-client-refused"


class ClientInactive(Conflict):
    title = "Client disabled"
    code = "client-disabled"


class OAuthError(Exception):
    """An error of the token endpoint, answered in RFC 6749 §5.2's own JSON shape (not problem+json),
    which OAuth2 client libraries read."""

    def __init__(
        self, error: str, description: str, *, status: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.retry_after = retry_after
