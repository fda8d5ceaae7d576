"""Typed errors. Only the CLI turns them into one-line messages."""

from __future__ import annotations


class LockriskError(Exception):
    """An error the user can act on: says where (file, line) and what."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def located(self) -> str:
        """The message prefixed with FILE:LINE: where known."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"

    def at(self, *, path: str | None = None, line: int | None = None) -> "LockriskError":
        """Fill in location context that was not known where the error was raised."""
        if self.path is None and path is not None:
            self.path = path
        if self.line is None and line is not None:
            self.line = line
        return self


class ParseError(LockriskError):
    """A lockfile or manifest could not be read."""


class VersionError(LockriskError):
    """A version or constraint string is not valid for its ecosystem."""


class GitError(LockriskError):
    """A git revision or repository could not be read."""


class ConfigError(LockriskError):
    """Project settings are invalid."""


class RegistryError(LockriskError):
    """A registry look-up failed (degrades to offline results, never fatal)."""


class EditError(LockriskError):
    """A manifest edit was refused."""
