"""Where output goes: a standard output that writes every byte or fails, the pager, and --output files."""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import AllianceError, Problem, UsageError


class ReaderGone(Exception):
    """The reader of our output went away (`alliance claims | head -1`): stop quietly, exit 0.

    Not an OSError, so that Typer's own EPIPE handling (exit 1) never sees it.
    """


# ---- writing every byte ----------------------------------------------------------------------

# What stands in for a character the output encoding cannot hold (PYTHONIOENCODING=ascii, cp1252):
# a chart's bar keeps its shape as '#'; anything else becomes a visible escape such as \u2019.
_STAND_INS = {"█": "#"}


def _stand_in(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chars = error.object[error.start:error.end]
    return "".join(_STAND_INS.get(ch) or ch.encode("ascii", "backslashreplace").decode("ascii") for ch in chars), error.end


codecs.register_error("alliance-stand-in", _stand_in)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte or raise OSError: a short count is followed up, never taken as done."""
    import select

    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:  # a non-blocking stdout (left so by another program) that is full: wait
            select.select([], [fd], [])
            continue
        if n <= 0:
            raise OSError(errno.EIO, "the write made no progress")
        view = view[n:]


def reason(e: OSError) -> str:
    return e.strerror or str(e)


_SLICE = 1 << 20


class Stream(io.TextIOBase):
    """A text stream over a file descriptor, unbuffered, that writes every byte or says why not.

    Standard output raises: a failed or short write is an error (exit 1), a closed pipe is ReaderGone.
    Standard error swallows its own failures: there is nowhere left to report them, and the exit
    code still says what happened.
    """

    def __init__(self, fd: int, encoding: str, *, strict: bool) -> None:
        super().__init__()
        self._fd, self._encoding, self._strict = fd, encoding, strict

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "alliance-stand-in"

    def fileno(self) -> int:
        return self._fd

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return os.isatty(self._fd)
        except OSError:
            return False

    def write(self, text: str) -> int:  # type: ignore[override]
        if not isinstance(text, str):  # click probes with b"" to tell a binary stream from a text one
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        try:
            # In slices, so that a 100 MB export is not held twice over, as text and as bytes.
            for start in range(0, len(text), _SLICE):
                write_all(self._fd, text[start:start + _SLICE].encode(self._encoding, "alliance-stand-in"))
        except BrokenPipeError:
            if self._strict:
                raise ReaderGone from None
        except OSError as e:
            if self._strict:
                raise AllianceError(f"cannot write to standard output: {reason(e)}") from None
        return len(text)

    def flush(self) -> None:
        pass


def guard_stdio() -> None:
    """Make stdout and stderr `Stream`s, so that no write can fail unnoticed or as a traceback.

    A standard stream that was closed at start (`>&-`) gets /dev/null opened read-only in its place:
    no file opened later can take its number and receive our output, and a write to it fails with
    "Bad file descriptor", which is the truth.
    """
    for fd in (0, 1, 2):
        if not _is_open(fd):
            null = os.open(os.devnull, os.O_RDONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    sys.stdout = Stream(1, getattr(sys.stdout, "encoding", None) or "utf-8", strict=True)
    sys.stderr = Stream(2, getattr(sys.stderr, "encoding", None) or "utf-8", strict=False)
    global _inherited
    _inherited = _open_descriptors()


# The descriptors the command was started with: the only ones `--output /dev/fd/N` may name. Any
# other number is one of our own files (the cache, say), which an export must never be written into.
_inherited = frozenset({0, 1, 2})


def _open_descriptors() -> frozenset[int]:
    try:
        free = os.open(os.devnull, os.O_RDONLY)  # the lowest free number, which listing the folder takes
        os.close(free)
        return frozenset(int(n) for n in os.listdir("/proc/self/fd") if int(n) != free)
    except (OSError, ValueError):  # no /proc (macOS): ask each low number
        return frozenset(fd for fd in range(256) if _is_open(fd))


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


# ---- the terminal and the pager -------------------------------------------------------------


def to_stdout(text: str, page: bool, width: int | None = None) -> None:
    """Write text to stdout, through the pager when asked and the text is taller than the screen
    (lines as wide as `width` columns wrap; the terminal's width by default)."""
    command = pager_command() if page else None
    if command:
        lines = _screen_lines()  # a terminal that reports no height (0 rows) gives no ground for paging
        if lines > 0 and _taller(text, width or terminal_width(), lines) and _run_pager(command, text):
            return
    sys.stdout.write(text)
    sys.stdout.flush()


def terminal_width() -> int:
    """COLUMNS when it is a positive whole number, else the terminal's width, else 80."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for stream in (sys.stdout, sys.stderr, sys.stdin):  # piped into `less`, stderr still knows the width
        try:
            width = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            continue
        if width > 0:
            return width
    return 80


def _screen_lines() -> int:
    """LINES if set, else the terminal's height; 0 when neither says."""
    try:
        lines = int(os.environ.get("LINES", ""))
    except ValueError:
        lines = 0
    if lines <= 0:
        try:
            lines = os.get_terminal_size(sys.stdout.fileno()).lines
        except (OSError, ValueError):
            lines = 0
    return lines


def print_renderables(console, renderables: list, page: bool) -> None:
    """Print rich renderables on stdout as one piece of text, through the pager if it is taller
    than the screen; colours are kept, since the pager shows them on the same terminal."""
    with console.capture() as capture:
        for renderable in renderables:
            # crop=False: a word wider than the terminal (a long id at 40 columns) is printed whole and
            # the terminal wraps it, instead of rich cutting it off at the edge.
            console.print(renderable, crop=False)
    to_stdout(capture.get(), page, console.width)


def pager_command() -> list[str] | None:
    """ALLIANCE_PAGER, else PAGER, else less; None when paging is off (empty, `cat`) or stdout is no terminal."""
    import shlex

    if not sys.stdout.isatty():
        return None
    command = os.environ.get("ALLIANCE_PAGER")
    if command is None:
        command = os.environ.get("PAGER", "less")
    try:
        words = shlex.split(command)
    except ValueError:
        words = [command]
    return None if not words or words == ["cat"] else words


# Compiled on first use (re caches it), not on every run's import.
_ANSI = r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"


def _taller(text: str, width: int, lines: int) -> bool:
    """Whether the text takes more than `lines` screen rows at this width (escapes take none, long
    lines wrap); it stops counting there, so a huge output costs no more than a screenful."""
    from rich.cells import cell_len

    width, rows, start = max(width, 1), 0, 0
    while rows <= lines and start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        rows += max(1, -(-cell_len(re.sub(_ANSI, "", text[start:end])) // width))
        start = end + 1
    return rows > lines


def _run_pager(command: list[str], text: str) -> bool:
    """Show text through the pager; False when the pager cannot be started (then the caller prints)."""
    import shutil
    import signal
    import subprocess

    program = shutil.which(command[0])
    if program is None:
        _warn(f"warning: pager {command[0]!r} not found; printing directly")
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git does: quit if one screen, keep colours, leave the screen as it was
    env.setdefault("LV", "-c")
    data = text.encode(sys.stdout.encoding or "utf-8", "alliance-stand-in")
    # Ctrl-C belongs to the pager while it runs (less uses it to stop a search), not to us.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        try:
            proc = subprocess.Popen([program, *command[1:]], stdin=subprocess.PIPE, env=env)
        except OSError as e:
            _warn(f"warning: cannot run pager {command[0]!r}: {reason(e)}; printing directly")
            return False
        try:
            assert proc.stdin is not None
            proc.stdin.write(data)
            proc.stdin.close()
        except OSError:  # the reader quit before the end (q in less): that is what it is for
            with contextlib.suppress(OSError):
                proc.stdin.close()  # type: ignore[union-attr]
        status = proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    if status > 0:  # it failed (a bad option, say), and may have shown nothing: no success over that
        from ..formats.view import visible

        raise AllianceError(visible(f"pager {command[0]!r} failed (exit status {status}); "
                                    "rerun with --no-pager to print directly"))
    return True


def _warn(message: str) -> None:
    from ..formats.view import visible

    sys.stderr.write(visible(message) + "\n")  # the pager's name comes from the environment: keep it inert


# ---- files named by --output ----------------------------------------------------------------

# Names that stand for an open file descriptor rather than a file: written to directly.
_DESCRIPTOR_NAME = r"/dev/(?:(stdin)|(stdout)|(stderr)|fd/(\d+))|/proc/(self|thread-self|\d+)/fd/(\d+)"


def _descriptor_name(name: str) -> re.Match | None:
    """The name, or where its chain of links leads (/dev/stdout to /proc/self/fd/1), as a descriptor's."""
    path = os.path.abspath(name)
    for _ in range(40):
        match = re.fullmatch(_DESCRIPTOR_NAME, path)
        if match or not os.path.islink(path):
            return match
        path = os.path.abspath(os.path.join(os.path.dirname(path), os.readlink(path)))
    return None


def _own_descriptor(name: str) -> int | None:
    """The number of one of our descriptors that `name` stands for, or None (another process's)."""
    match = _descriptor_name(name)
    if match is None:
        return None
    stdin, stdout, stderr, fd, process, proc_fd = match.groups()
    if stdin or stdout or stderr:
        return 0 if stdin else 1 if stdout else 2
    if fd is not None:
        return int(fd)
    return int(proc_fd) if process in ("self", "thread-self", str(os.getpid())) else None


def is_stream(name: str) -> bool:
    """True for a device, a FIFO, a socket or an open descriptor's name (/dev/stdout, >(gzip))."""
    import stat

    if _descriptor_name(name):
        return True
    try:
        mode = os.stat(name).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def refuse_folder(name: str) -> None:
    if name.endswith(("/", os.sep)) or os.path.isdir(name):
        raise AllianceError(Problem("is a folder: give a file name to write to", name))


def check_outside(name: str, facts: Path) -> None:
    """Refuse to write an export into the facts directory in use (it would become part of the data),
    or over a folder that holds it (a data package replaces the whole folder)."""
    target, folder = os.path.realpath(name), os.path.realpath(facts)
    common = os.path.commonpath([target, folder])
    if common == folder:
        raise UsageError(f"--output {name}: that is inside the facts directory in use ({facts}); "
                         "write the export somewhere else")
    if common == target:
        raise UsageError(f"--output {name}: that folder holds the facts directory in use ({facts}); "
                         "write the export somewhere else")


def write_file(name: str, data: bytes) -> None:
    """Write data to the file `name`, as write_files does."""
    write_files({name: data})


def write_files(files: dict[str, bytes]) -> None:
    """Write each file: a device, FIFO or descriptor directly; regular files all or none, each replaced
    whole (through a symlink, its target is replaced and the link kept), none before every one is on
    disk."""
    for name in files:
        refuse_folder(name)
    regular = {}
    for name, data in files.items():
        if is_stream(name):
            _write_stream(name, data)
        else:
            regular[os.path.realpath(name) if os.path.islink(name) else name] = (data, name)
    _replace_together(regular)


def _write_stream(name: str, data: bytes) -> None:
    # One of our own descriptors is written to as it is, not opened anew: a closed or read-only
    # stdout stays one (an error, not a success into /dev/null), a socket can be written to, and
    # `-o /dev/stdout >> log` adds to the log. Opened anew, another process's descriptor or a device
    # gets O_APPEND for the same reason.
    own = _own_descriptor(name)
    try:
        if own is None:
            fd = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | os.O_CLOEXEC)
        elif own in _inherited:
            fd = os.dup(own)
        else:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
    except OSError as e:
        raise AllianceError(Problem(f"cannot write: {reason(e)}", name)) from None
    try:
        if os.isatty(fd):  # `-o /dev/tty`: escapes in the data are shown, not acted on, as on stdout
            from ..formats.view import terminal_safe

            data = terminal_safe(data.decode("utf-8", "backslashreplace")).encode("utf-8")
        write_all(fd, data)
    except BrokenPipeError:
        raise ReaderGone from None
    except OSError as e:
        raise AllianceError(Problem(f"cannot write: {reason(e)}", name)) from None
    finally:
        os.close(fd)


def write_atomically(name: str, data: bytes, shown: str | None = None) -> None:
    """Write to a temporary file beside `name`, then rename: a failure leaves `name` as it was."""
    refuse_folder(name)
    _replace_together({name: (data, shown or name)})


def _replace_together(files: dict[str, tuple[bytes, str]]) -> None:
    """Write each file {path: (data, name to show)} to a temporary file beside it, then rename them all.

    A failure or a signal before the renames leaves every file as it was and no temporary file.
    """
    # The temporary files are named before they are made, and the handlers that remove them on
    # SIGTERM or SIGHUP are in place before they exist: a signal at any moment leaves nothing behind.
    tmps = {name: str(_temporary_name(Path(name))) for name in files}

    def remove() -> None:
        for tmp in tmps.values():
            with contextlib.suppress(OSError):  # not made yet, or never could be
                os.unlink(tmp)

    with _removed_if_killed(remove):
        shown = ""
        try:
            for name, (data, shown) in files.items():
                mode = _file_mode(Path(name))
                fd = os.open(tmps[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())  # the data is on disk before the rename makes it the file
                os.chmod(tmps[name], mode)  # made private (0600); the file should not change hands by being exported
            for name, (_, shown) in files.items():
                os.replace(tmps[name], name)
        except BaseException as e:
            remove()
            if isinstance(e, OSError):
                raise AllianceError(Problem(f"cannot write: {reason(e)}", shown)) from None
            raise


def write_folder_atomically(name: str, files: dict[str, bytes], marker: str) -> None:
    """Write files into a new folder beside `name`, then swap it in: `name` is never left half-written.

    An existing folder is replaced only if it is empty or a previous export (it holds a file named
    `marker`), so that a typo cannot wipe a folder of the user's own. Through a symlink, the folder
    it leads to is replaced and the link kept.
    """
    import shutil

    path = Path(name.rstrip("/" + os.sep) or name)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.exists() and not path.is_dir():
        raise AllianceError(Problem("is a file: give a folder to write to", name))
    if path.is_dir() and any(path.iterdir()) and not (path / marker).is_file():
        raise AllianceError(Problem(f"folder is not empty and holds no {marker}: refusing to replace it", name))
    # Named before it is made, as _replace_together's files: a signal at any moment leaves nothing behind.
    tmp = _temporary_name(path)
    old = tmp.with_name(tmp.name + ".old")

    def undo() -> None:
        shutil.rmtree(tmp, ignore_errors=True)
        if not path.exists() and old.exists():
            os.replace(old, path)  # put the previous export back
        shutil.rmtree(old, ignore_errors=True)  # the new one is in place: the previous one goes

    with _removed_if_killed(undo):
        try:
            os.mkdir(tmp, 0o700)
        except OSError as e:
            raise AllianceError(Problem(f"cannot write: {reason(e)}", name)) from None
        try:
            for file_name, data in files.items():
                with open(tmp / file_name, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(tmp / file_name, 0o666 & ~_umask())
            # Made private (0700): give it an existing folder's mode, or a new one's.
            os.chmod(tmp, _file_mode(path) if path.is_dir() else 0o777 & ~_umask())
            if path.is_dir():
                os.replace(path, old)
            os.replace(tmp, path)
        except BaseException as e:
            undo()
            if isinstance(e, OSError):
                raise AllianceError(Problem(f"cannot write: {reason(e)}", name)) from None
            raise
    shutil.rmtree(old, ignore_errors=True)


def _temporary_name(path: Path) -> Path:
    """A new name beside `path`, `.NAME.1a2b3c4d.tmp`, with NAME cut short where needed: a file name
    can be 255 bytes long, and its temporary one (with `.old` after it, for a folder) must fit too."""
    import secrets

    name = path.name
    while len(os.fsencode(name)) > 200:
        name = name[:-1]
    return path.parent / f".{name}.{secrets.token_hex(4)}.tmp"


@contextlib.contextmanager
def _removed_if_killed(remove: Callable[[], None]) -> Iterator[None]:
    """On SIGTERM, SIGHUP or SIGQUIT, call `remove` (to remove temporary files, which may not exist yet), then
    die of the signal as we would have."""
    import signal

    def remove_and_die(signum: int, frame: object) -> None:
        remove()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):  # Ctrl-\ is a way to stop a command too
        handler = signal.getsignal(sig)
        if handler is not signal.SIG_IGN:  # under nohup, a hang-up stays ignored
            with contextlib.suppress(ValueError):  # only the main thread may set handlers
                previous[sig] = signal.signal(sig, remove_and_die)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _file_mode(path: Path) -> int:
    """An existing file's permissions, or what a new file gets: 0o666 less the umask."""
    import stat

    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
