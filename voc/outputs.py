"""One output-safety rule for every command that writes: claim the outputs before any work.

``with claim_outputs(outputs, inputs, command="voc tag"):`` checks, before the command does any work,
that

* no output is, or lies inside, one of the inputs (``voc tag a.csv --out a.csv`` would replace the raw
  data), and no input lies inside an output folder that the command fills;
* every output can be written: its folder exists or can be made, it is not a directory where a file
  is expected (or a file where a folder is expected), and a probe file can be created there;
* no other run holds the output: each output gets an exclusive lock (``fcntl.flock`` on
  ``.<name>.lock`` beside it) for the whole command. A second run is refused at once with a message
  naming the holder (pid, command, start time); the lock is released when the block ends, also on a
  crash (the kernel drops it when the process dies, so a ``kill -9`` leaves no stale lock).

Each failure is an :class:`~voc.errors.InputError` naming the path and what to do (exit code 2).
Files are still written atomically by :mod:`voc.files`; this module decides *whether* to write.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from voc.errors import InputError


@dataclass(frozen=True)
class Output:
    """A path a command will write: a file (default) or a folder it fills with ``names``."""

    path: Path
    folder: bool = False
    names: tuple[str, ...] = ()

    @classmethod
    def file(cls, path: str | Path) -> Output:
        return cls(Path(path), folder=False)

    @classmethod
    def dir(cls, path: str | Path, *names: str) -> Output:
        """A folder output; ``names`` are the files the command writes in it (checked against inputs)."""
        return cls(Path(path), folder=True, names=names)


@contextlib.contextmanager
def claim_outputs(
    outputs: Sequence[Output | str | Path],
    inputs: Sequence[str | Path] = (),
    *,
    command: str = "voc",
) -> Iterator[None]:
    """Check and lock ``outputs`` for the duration of the block (see the module docstring).

    Parameters
    ----------
    outputs : Output, str or Path
        What the command writes; a plain path is a file. A folder output is checked and locked as a
        whole (one lock beside it), its files are not listed.
    inputs : str or Path
        What the command reads; outputs must not be or lie inside them.
    command : str
        Shown to a second run that finds the outputs locked.

    Raises
    ------
    InputError
        An output collides with an input, cannot be written, or is held by another run.
    """
    claimed = [o if isinstance(o, Output) else Output.file(o) for o in outputs]
    sources = [Path(p).expanduser().resolve() for p in inputs]
    for out in claimed:
        check_not_input(out, sources)
        check_writable(out)
    with contextlib.ExitStack() as stack:
        for out in claimed:
            stack.enter_context(_lock(out.path, command))
        yield


def check_not_input(out: Output, inputs: Sequence[Path]) -> None:
    """Refuse an output that is an input, lies inside an input folder, or (as a folder) holds one."""
    target = out.path.expanduser().resolve()
    for source in inputs:
        if target == source or (source.exists() and target.exists() and _same_file(target, source)):
            raise InputError(f"{out.path}: this is the input file; write the output somewhere else")
        if source in target.parents:
            raise InputError(f"{out.path}: lies inside the input {source}; write the output elsewhere")
        if out.folder and source.parent == target and source.name in out.names:
            raise InputError(
                f"{out.path}: writing {source.name} here would overwrite the input {source}; "
                "choose another folder"
            )


def check_writable(out: Output) -> None:
    """Fail before any work when ``out`` cannot be written, naming the path and the fix."""
    target = out.path.expanduser()
    folder = target if out.folder else target.parent
    if out.folder and target.exists() and not target.is_dir():
        raise InputError(f"{target}: is a file, not a folder; choose a folder for the outputs")
    if not out.folder and target.is_dir():
        raise InputError(f"{target}: is a folder; give a file name (e.g. {target / 'out.parquet'})")
    blocker = next((p for p in [folder, *folder.parents] if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise InputError(f"{target}: {blocker} is a file, not a folder; choose another output path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".voc-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{folder}: cannot write here ({_reason(exc)}); choose another output path") from exc


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _reason(exc: OSError) -> str:
    hints = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.EFBIG: "file too large for this file system or the file-size limit (ulimit -f)",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "is a folder",
        errno.ENAMETOOLONG: "name too long",
    }
    return hints.get(exc.errno or 0, exc.strerror or str(exc))


def os_error_message(exc: OSError) -> str:
    """One line for an :class:`OSError` met while reading or writing: the path and what to do."""
    where = exc.filename or "a file"
    fix = {
        errno.ENOSPC: "free some space or write elsewhere",
        errno.EDQUOT: "free some space or write elsewhere",
        errno.EFBIG: "raise the limit or write elsewhere",
        errno.ENOENT: "check the path",
    }.get(exc.errno or 0, "check the path and its permissions")
    return f"{where}: {_reason(exc)}; {fix}"


@contextlib.contextmanager
def _lock(path: Path, command: str) -> Iterator[None]:
    lock_path = path.expanduser().parent / f".{path.name}.lock"
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise InputError(
                f"{path}: another run is writing this output ({holder}); wait for it to finish "
                "or choose another output path"
            ) from None
        # The previous holder may have removed the lock file between our open and our flock:
        # then we hold a lock on a deleted file, so start again on the current one.
        try:
            current = os.stat(lock_path)
        except FileNotFoundError:
            os.close(fd)
            continue
        if _same_inode(fd, current):
            break
        os.close(fd)
    try:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "since": _now()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)


def _same_inode(fd: int, st: os.stat_result) -> bool:
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (st.st_dev, st.st_ino)


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "holder unknown"
    return f"pid {info.get('pid')} on {info.get('host')}, `{info.get('command')}`, since {info.get('since')}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
