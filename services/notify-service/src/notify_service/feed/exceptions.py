from kit_core import NotFound


class FeedItemNotFound(NotFound):
    title = "Notification not found"
    code = "feed-item-not-found"
