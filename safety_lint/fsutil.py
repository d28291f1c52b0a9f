"""Writing files safely: atomic (temp file + rename in the same folder), mode kept."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class WriteError(Exception):
    """A file could not be written; the message names it."""


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, data: bytes, exclusive: bool = False) -> None:
    """Replace `path` with `data` so a reader sees the old or the new file, never half of one.

    An existing file keeps its mode; a new one gets the usual mode (0666 less the umask). The
    folder must exist: a typo in a path is an error, not a new folder. `exclusive`: create
    only, never replace (a file that appears meanwhile is kept: the write fails)."""
    if path.is_symlink():
        raise WriteError(f"{path}: is a symbolic link; not replaced")
    if path.is_dir():
        raise WriteError(f"{path}: is a folder")
    if not path.parent.is_dir():
        raise WriteError(f"{path}: folder {path.parent} does not exist")
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else _default_mode()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise WriteError(f"{path}: cannot write: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            _link_new(tmp, path, data)
        else:
            os.replace(tmp, path)
    except FileExistsError:
        raise WriteError(f"{path}: exists; not overwritten") from None
    except OSError as err:
        raise WriteError(f"{path}: cannot write: {err.strerror or err}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _link_new(tmp: str, path: Path, data: bytes) -> None:
    """Create `path` from the finished temp file; a hard link fails if `path` exists."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network and FAT file systems)
        with open(path, "xb") as handle:
            handle.write(data)
