from kit_core import AppError, Conflict, NotFound


class UploadTooLarge(AppError):
    """Carries ``limit``: the largest size accepted, in bytes."""

    status = 413
    title = "File too large"
    code = "upload-too-large"


class MalformedUpload(AppError):
    status = 422
    title = "Malformed upload"
    code = "malformed-upload"


class NotMultipart(AppError):
    status = 415
    title = "Upload must be multipart/form-data"
    code = "not-multipart"


class ExecutableRefused(AppError):
    status = 415
    title = "Executable content refused"
    code = "executable-refused"


class DisguisedFile(AppError):
    """Carries ``detected``: what the content is, whatever the name says."""

    status = 415
    title = "File content does not match its name"
    code = "disguised-file"


class UnsupportedFileType(AppError):
    status = 415
    title = "Unsupported file type"
    code = "unsupported-file-type"


class MainFileNotPdf(AppError):
    status = 422
    title = "The main file must be a PDF"
    code = "main-file-not-pdf"


class MainFileExists(Conflict):
    title = "The document already has a main file"
    code = "main-file-exists"


class FileNotFound(NotFound):
    title = "File not found"
    code = "file-not-found"


class MalformedRange(AppError):
    status = 400
    title = "Malformed Range header"
    code = "malformed-range"


class RangeNotSatisfiable(AppError):
    """Carries ``size``; answers with ``Content-Range: bytes */<size>`` (RFC 9110 §15.5.17)."""

    status = 416
    title = "Range not satisfiable"
    code = "range-not-satisfiable"

    def response_headers(self) -> dict[str, str] | None:
        return {"Content-Range": f"bytes */{self.extra.get('size', 0)}"}
