"""Private file storage: evidence and letters never have a public URL."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any, NoReturn

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import transaction

# The files saved inside the innermost `atomic_with_files` block, as (storage, name).
_saved: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("private_files_saved", default=None)


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_STORAGE_ROOT, read on every access so tests can move it.
    They are only ever streamed by views that check permissions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str | os.PathLike[str]:
        return settings.PRIVATE_STORAGE_ROOT

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> NoReturn:
        raise ValueError("Private files have no public URL.")

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        name = super().save(name, content, max_length)
        saved = _saved.get()
        if saved is not None:
            saved.append((self, name))
        return name


@contextmanager
def atomic_with_files() -> Iterator[None]:
    """`transaction.atomic()` that also deletes the private files saved inside it when it fails:
    the rows naming them are rolled back, and evidence or a letter with no record of it must not
    stay on disk. Usable as a decorator, like `atomic`."""
    saved: list[tuple[Storage, str]] = []
    outer = _saved.get()
    token = _saved.set(saved)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for storage, name in saved:
            storage.delete(name)
        raise
    finally:
        _saved.reset(token)
    if outer is not None:  # theirs too, should the enclosing block fail
        outer.extend(saved)
