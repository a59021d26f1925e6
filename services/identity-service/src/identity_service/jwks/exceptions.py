from kit_core import Unauthorized


class InvalidToken(Unauthorized):
    title = "Invalid access token"
    code = "invalid-token"
