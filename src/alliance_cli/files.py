"""Read input files safely: regular files only, never past a size limit, never outside their folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import AllianceError, Problem

# O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever. It changes
# nothing for a regular file, and anything else is refused before a byte is read.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


# An archived article or report is kilobytes to a few megabytes: past this, a wrong file (or a device).
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024


def is_inside(path: Path, folder: Path) -> bool:
    """True when `path`, with every link in it followed, is `folder` or lies within it (also followed)."""
    return not outside([path], folder)


def outside(paths: list[Path], folder: Path) -> list[Path]:
    """Those of `paths` that, with every link followed, are not `folder` and do not lie within it.

    Resolving each path in full costs a few lstat calls per folder in it, for every file: 30 ms for
    300 files in a deep folder, a tenth of a cached run. Each parent folder is resolved once instead,
    and a file that is not itself a link lies where its resolved parent is.
    """
    root = os.path.realpath(folder)
    prefix = root.rstrip(os.sep) + os.sep
    parents: dict[Path, str] = {}
    found = []
    for path in paths:
        if "\0" in str(path) or path.name in ("", ".", ".."):
            real = None if "\0" in str(path) else os.path.realpath(path)
        else:
            try:
                link = stat.S_ISLNK(os.lstat(path).st_mode)
            except OSError:
                link = False  # nothing there: where it would be
            if link:
                real = os.path.realpath(path)
            else:
                if path.parent not in parents:
                    parents[path.parent] = os.path.realpath(path.parent)
                real = os.path.join(parents[path.parent], path.name)
        if real is None or not (real == root or real.startswith(prefix)):
            found.append(path)
    return found


def read_limited(path: Path, limit: int, name: str) -> bytes:
    """The bytes of the regular file at `path`, or an AllianceError naming it by `name`.

    A FIFO, a device (/dev/zero, /dev/urandom), a socket or a folder is refused as not a regular
    file without waiting on it; a file is never read past `limit` (plus the one byte that shows it is
    longer), since stat() cannot be trusted to give the size of what is read.
    """
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError as e:
        raise AllianceError(Problem(f"cannot read file: {e.strerror or e}", name)) from None
    except ValueError:  # a NUL in the name: no file can have it
        raise AllianceError(Problem("cannot read file: the name holds a NUL character", name)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise AllianceError(Problem("not a regular file", name))
        if st.st_size > limit:
            raise AllianceError(_too_large(f"{st.st_size:,}", limit, name))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise AllianceError(Problem(f"cannot read file: {e.strerror or e}", name)) from None
    finally:
        os.close(fd)
    if size > limit:  # a file that grew while read, or one whose size stat() does not know
        raise AllianceError(_too_large(f"more than {limit:,}", limit, name))
    return b"".join(chunks)


def _too_large(size: str, limit: int, name: str) -> Problem:
    return Problem(f"file is too large ({size} bytes; the limit is {limit:,} bytes per file)", name)


def is_regular(path: Path) -> bool:
    """True for a regular file (after following links); False for anything else or nothing at all."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
