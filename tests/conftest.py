from tests.support import processes

__all__ = ["processes"]
