"""Errors a user can act on: every one names what went wrong, where, and how to fix it."""


class ShoplensError(Exception):
    """A problem caused by input or state the user controls; shown to them as one line, never as a traceback."""

    def __init__(self, what: str, where: str = "", fix: str = ""):
        self.what, self.where, self.fix = what, where, fix
        parts = [what]
        if where:
            parts.append(f"(at {where})")
        msg = " ".join(parts)
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


class IngestError(ShoplensError):
    """The whole file was refused before anything was stored."""


class StoreBusyError(ShoplensError):
    """Another process holds the database file for writing."""
