from .base import Base
from .feed_item import FeedItem

__all__ = ["Base", "FeedItem"]
