"""Every file safety-lint reads or writes goes through here.

Reads: confined to a root (a symlink that leaves it is refused, wherever the path came from),
regular files only (a FIFO or a device is opened without blocking, then refused), the size
limit applied while reading. Writes: a temp file with a short name in the same folder, then a
rename; only a regular file is replaced, its mode and owner kept, hard links refused, a file
that changed since it was read left alone; SIGINT and SIGTERM wait until the temp file is gone.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A FIFO opened for reading without O_NONBLOCK waits for a writer forever.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_CHUNK = 1 << 16
OUTSIDE = "symlink points outside the repository root; not read"
# Files safety-lint reads besides the linted ones: configuration, rule files, baselines and the
# status document are small; a larger one is refused rather than read into memory.
CONFIG_LIMIT = 1 << 20
BASELINE_LIMIT = 64 << 20
STATUS_LIMIT = 16 << 20


class FileProblem(Exception):
    """A file that is not read or not written; the message is one line, without the path."""


class Outside(FileProblem):
    """The path leads outside the root through a symlink."""


class NotRegular(FileProblem):
    """A FIFO, a device, a socket or a folder where a regular file was expected."""


class TooLarge(FileProblem):
    pass


class WriteError(FileProblem):
    """A file could not be written; the message names it."""


def _real(path: Path | str) -> str:
    return os.path.realpath(path)


def is_inside(real: str, root_real: str) -> bool:
    """`real` (a resolved path) is `root_real` or below it."""
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def outside_root(path: Path, root: Path) -> bool:
    """True when `path`, every symlink on the way resolved, lies outside `root`."""
    return not is_inside(_real(path), _real(root))


def kind_of_mode(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _opened_inside(fd: int, root_real: str) -> bool:
    """What was opened really is inside the root (a folder swapped for a symlink between the
    check and the open is caught here); where /proc is missing, the check before the open."""
    try:
        return is_inside(os.readlink(f"/proc/self/fd/{fd}"), root_real)
    except OSError:
        return True


def read_bytes(path: Path, limit: int, root: Path | None = None, head: bool = False) -> bytes:
    """The bytes of a regular file, at most `limit` (more is TooLarge; with `head`, the first
    `limit` bytes). With `root`, a path that leads outside it is Outside. OSError as raised
    (FileNotFoundError, PermissionError, ...)."""
    root_real = _real(root) if root is not None else None
    if root_real is not None and not is_inside(_real(path), root_real):
        raise Outside(OUTSIDE)
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = "is a directory, not a file" if stat.S_ISDIR(st.st_mode) else None
            raise NotRegular(what or f"is {kind_of_mode(st.st_mode)}, not a regular file; not read")
        if root_real is not None and not _opened_inside(fd, root_real):
            raise Outside(OUTSIDE)
        if not head and st.st_size > limit:
            raise TooLarge(f"file too large ({st.st_size} bytes > limit {limit}); not parsed")
        chunks: list[bytes] = []
        got = 0
        want = limit if head else limit + 1  # one byte more than allowed proves it is too large
        while got < want:
            chunk = os.read(fd, min(_CHUNK, want - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:  # it grew after fstat (or /proc lies about the size)
            raise TooLarge(f"file too large (more than the limit of {limit} bytes); not parsed")
        return b"".join(chunks)
    finally:
        os.close(fd)


def walk_files(
    top: Path, root: Path, suffix: str, problems: list[tuple[str, str]]
) -> Iterator[Path]:
    """Files ending in `suffix` below `top`: iterative (any depth, linear in it), symlinked
    folders followed only inside the root and each real folder once, symlinks that leave the
    root reported in `problems` and not followed."""
    root_real = _real(root)
    if not is_inside(_real(top), root_real):
        problems.append((str(top), "symlinked folder points outside the root; not followed"))
        return
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            problems.append((str(folder), f"cannot read folder: {err.strerror or err}"))
            continue
        folders = []
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    real = _real(path)
                    is_dir = os.path.isdir(real)
                    if not is_inside(real, root_real):
                        if is_dir:
                            problems.append(
                                (
                                    str(path),
                                    "symlinked folder points outside the root; not followed",
                                )
                            )
                        elif entry.name.endswith(suffix):
                            problems.append(
                                (str(path), "symlink points outside the root; not read")
                            )
                        continue
                else:
                    is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as err:
                problems.append((str(path), f"cannot read: {err.strerror or err}"))
                continue
            if is_dir:
                folders.append(path)
            elif entry.name.endswith(suffix):
                yield path
        stack.extend(reversed(folders))


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done (a temp file is renamed or
    removed, never left behind); they are delivered right after."""
    can = (
        hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    )
    if not can:
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _why(err: OSError) -> str:
    return str(err.strerror or err)


def make_folders(folder: Path, root: Path) -> None:
    """Create `folder` and its missing parents, only inside `root` (no symlink on the way may
    lead out)."""
    root_real = _real(root)
    if not is_inside(_real(folder), root_real):
        raise WriteError(f"{folder}: leads outside the repository root; not created")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WriteError(f"{folder}: cannot create folder: {_why(err)}") from None
    if not is_inside(_real(folder), root_real):
        raise WriteError(f"{folder}: leads outside the repository root; not written")


def _refuse_existing(path: Path, st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise WriteError(f"{path}: is a symbolic link; not replaced")
    if stat.S_ISDIR(st.st_mode):
        raise WriteError(f"{path}: is a folder")
    if not stat.S_ISREG(st.st_mode):
        raise WriteError(f"{path}: is {kind_of_mode(st.st_mode)}; only a regular file is replaced")
    if st.st_nlink > 1:
        raise WriteError(
            f"{path}: has {st.st_nlink} hard links; replacing it would break them; not written"
        )


def _chmod(fd: int, name: str, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # Windows before Python 3.13
        os.chmod(name, mode)


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (
        b.st_dev,
        b.st_ino,
        b.st_size,
        b.st_mtime_ns,
    )


def _keep_owner(fd: int, path: Path, st: os.stat_result) -> None:
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except OSError:
        raise WriteError(
            f"{path}: owned by uid {st.st_uid} gid {st.st_gid}; a rewrite could not keep "
            "its owner; not written"
        ) from None


def atomic_write(
    path: Path,
    data: bytes,
    root: Path | None = None,
    expected: bytes | None = None,
    exclusive: bool = False,
) -> None:
    """Replace `path` with `data` so a reader sees the old or the new file, never half of one.

    Only a regular file with one link is replaced; it keeps its mode and owner (refused when
    the owner cannot be kept). A new file gets the usual mode (0666 less the umask). The folder
    must exist: a typo in a path is an error, not a new folder. With `root`, the folder must
    lie inside it. With `expected`, the file must still hold exactly those bytes when it is
    replaced (it was read, then changed or deleted: not written). `exclusive`: create only,
    never replace, even under a race (see create_new)."""
    if exclusive:
        create_new(path, data)
        return
    parent = path.parent
    if root is not None and not is_inside(_real(parent), _real(root)):
        raise WriteError(f"{path}: leads outside the repository root; not written")
    try:
        before: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        before = None
    except OSError as err:
        raise WriteError(f"{path}: cannot write: {_why(err)}") from None
    if before is not None:
        _refuse_existing(path, before)
    elif expected is not None:
        raise WriteError(f"{path}: deleted since it was read; not written")
    if not parent.is_dir():
        raise WriteError(f"{path}: folder {parent} does not exist")
    mode = stat.S_IMODE(before.st_mode) if before is not None else _default_mode()
    with signals_held():
        try:
            fd, tmp = tempfile.mkstemp(prefix=".sl", suffix=".tmp", dir=parent)
        except OSError as err:
            raise WriteError(f"{path}: cannot write: {_why(err)}") from None
        try:
            try:
                with os.fdopen(fd, "wb") as handle:
                    if before is not None:
                        _keep_owner(handle.fileno(), path, before)
                    _chmod(handle.fileno(), tmp, mode)
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                if expected is not None:
                    _unchanged(path, before, expected)
                os.replace(tmp, path)
            except OSError as err:
                raise WriteError(f"{path}: cannot write: {_why(err)}") from None
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)


def _unchanged(path: Path, before: os.stat_result | None, expected: bytes) -> None:
    try:
        now = os.lstat(path)
        current = read_bytes(path, len(expected) + 1)
    except FileNotFoundError:
        raise WriteError(f"{path}: deleted since it was read; not written") from None
    except (OSError, FileProblem):
        raise WriteError(f"{path}: changed since it was read; not written") from None
    if before is None or not _same_file(before, now) or current != expected:
        raise WriteError(f"{path}: changed since it was read; not written")


def create_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet; never replaces anything, even when two runs race
    (the temp file is hard-linked to the name, which fails when the name exists)."""
    parent = path.parent
    if not parent.is_dir():
        raise WriteError(f"{path}: folder {parent} does not exist")
    with signals_held():
        try:
            fd, tmp = tempfile.mkstemp(prefix=".sl", suffix=".tmp", dir=parent)
        except OSError as err:
            raise WriteError(f"{path}: cannot write: {_why(err)}") from None
        try:
            with os.fdopen(fd, "wb") as handle:
                _chmod(handle.fileno(), tmp, _default_mode())
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path, follow_symlinks=False)
            except FileExistsError:
                raise WriteError(f"{path} exists; not overwritten") from None
            except OSError:  # a file system without hard links: exclusive create instead
                _create_exclusive(path, data)
        except OSError as err:
            raise WriteError(f"{path}: cannot write: {_why(err)}") from None
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)


def _create_exclusive(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except FileExistsError:
        raise WriteError(f"{path} exists; not overwritten") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
