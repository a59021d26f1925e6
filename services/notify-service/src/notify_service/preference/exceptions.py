from kit_core import AppError


class UnknownPreferenceKind(AppError):
    status = 422
    title = "Unknown notification kind"
    code = "unknown-preference-kind"


class DuplicateChoice(AppError):
    status = 422
    title = "The same kind and channel chosen twice"
    code = "duplicate-choice"
