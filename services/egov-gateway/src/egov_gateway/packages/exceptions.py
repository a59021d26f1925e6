from kit_core import NotFound


class PackageNotFound(NotFound):
    title = "Unknown package"
    code = "package-not-found"


class FileNotInPackage(NotFound):
    title = "Unknown file"
    code = "file-not-in-package"
