"""Where output goes: a standard output that writes every byte or fails, the pager, and --output files."""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import re
import sys
from collections.abc import Iterator
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
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    sys.stdout = Stream(1, getattr(sys.stdout, "encoding", None) or "utf-8", strict=True)
    sys.stderr = Stream(2, getattr(sys.stderr, "encoding", None) or "utf-8", strict=False)


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
        proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True


def _warn(message: str) -> None:
    from ..formats.view import visible

    sys.stderr.write(visible(message) + "\n")  # the pager's name comes from the environment: keep it inert


# ---- files named by --output ----------------------------------------------------------------

# Names that stand for an open file descriptor rather than a file: written to directly.
_DESCRIPTOR_NAME = r"/dev/(?:stdout|stderr|fd/\d+)|/proc/(?:self|thread-self|\d+)/fd/\d+"


def is_stream(name: str) -> bool:
    """True for a device, a FIFO, a socket or an open descriptor's name (/dev/stdout, >(gzip))."""
    import stat

    path = os.path.abspath(name)
    for _ in range(40):  # a chain of links that leads to /proc/self/fd/1, as /dev/stdout does
        if re.fullmatch(_DESCRIPTOR_NAME, path):
            return True
        if not os.path.islink(path):
            break
        path = os.path.abspath(os.path.join(os.path.dirname(path), os.readlink(path)))
    try:
        mode = os.stat(name).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def refuse_folder(name: str) -> None:
    if name.endswith(("/", os.sep)) or os.path.isdir(name):
        raise AllianceError(Problem("is a folder: give a file name to write to", name))


def check_outside(name: str, facts: Path) -> None:
    """Refuse to write an export into the facts directory in use: it would become part of the data."""
    target, folder = os.path.realpath(name), os.path.realpath(facts)
    if os.path.commonpath([target, folder]) == folder:
        raise UsageError(f"--output {name}: that is inside the facts directory in use ({facts}); "
                         "write the export somewhere else")


def write_file(name: str, data: bytes) -> None:
    """Write data to the file `name`: a regular file is replaced whole, atomically (through a symlink,
    its target is replaced and the link kept); a device, FIFO or descriptor is written to directly."""
    refuse_folder(name)
    if is_stream(name):
        _write_stream(name, data)
    else:
        write_atomically(os.path.realpath(name) if os.path.islink(name) else name, data, shown=name)


def _write_stream(name: str, data: bytes) -> None:
    # O_APPEND: `-o /dev/stdout >> log` must add to the log, not overwrite its start.
    try:
        fd = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | os.O_CLOEXEC)
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
    import secrets

    shown = shown or name
    path = Path(name)
    refuse_folder(name)
    directory = path.parent if str(path.parent) else Path(".")
    # The temporary file is named before it is made, and the handlers that remove it on SIGTERM or
    # SIGHUP are in place before it exists: a signal at any moment leaves nothing behind.
    tmp = str(directory / f".{path.name}.{secrets.token_hex(4)}.tmp")
    with _removed_if_killed(tmp):
        try:
            mode = _file_mode(path)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as e:
            raise AllianceError(Problem(f"cannot write: {reason(e)}", shown)) from None
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())  # the data is on disk before the rename makes it the file
            os.chmod(tmp, mode)  # made private (0600); the file should not change hands by being exported
            os.replace(tmp, path)
        except BaseException as e:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(e, OSError):
                raise AllianceError(Problem(f"cannot write: {reason(e)}", shown)) from None
            raise


@contextlib.contextmanager
def _removed_if_killed(tmp: str) -> Iterator[None]:
    """On SIGTERM or SIGHUP, remove the temporary file (if it exists yet), then die of the signal as we
    would have."""
    import signal

    def remove_and_die(signum: int, frame: object) -> None:
        Path(tmp).unlink(missing_ok=True)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
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
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
