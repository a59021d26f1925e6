from kit_core import NotFound


class BlobNotFound(NotFound):
    title = "Content not found"
    code = "blob-not-found"
