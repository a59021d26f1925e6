from kit_core import Forbidden, NotFound


class FeedItemNotFound(NotFound):
    title = "Notification not found"
    code = "feed-item-not-found"


class NotAPerson(Forbidden):
    title = "Only people have a feed"
    code = "not-a-person"
