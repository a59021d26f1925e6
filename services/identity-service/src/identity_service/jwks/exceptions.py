from kit_core import InvalidToken as BearerTokenInvalid


class InvalidToken(BearerTokenInvalid):
    """401 with ``WWW-Authenticate: Bearer error="invalid_token"``, as every service answers."""
