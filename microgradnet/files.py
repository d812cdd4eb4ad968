"""Read the user's files and write ours: every write atomic, never onto an input, never clobbering.

Every file microgradnet writes (pictures, pages, walkthroughs, demo outputs) goes through
:func:`write_atomic`: the bytes go to a temporary file in the target's folder, which is then renamed
into place, so an interrupted or failed write leaves the old file intact and no partial file. Every
file it reads goes through :func:`read_text`, which refuses folders, devices, FIFOs, oversized and
non-UTF-8 files with one line naming the path.

    >>> write_atomic(Path("out.svg"), b"<svg/>", overwrite=False, inputs=[Path("ex.toml")])  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

from microgradnet.errors import FileError

__all__ = ["MAX_INPUT_BYTES", "FileError", "check_target", "read_text", "write_atomic"]

MAX_INPUT_BYTES = 1_000_000
"""The largest text file :func:`read_text` reads by default (an example or a document)."""


def read_text(path: Path | str, *, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of the regular file ``path`` (a leading byte-order mark is dropped).

    The file is opened without blocking and then examined, so a FIFO put in its place meanwhile is
    refused rather than waited on; at most ``max_bytes + 1`` bytes are read.

    Raises:
        FileError: empty path, missing, a directory or not a regular file (device, FIFO, socket),
            unreadable, larger than ``max_bytes``, or not UTF-8 — naming the path.
        TypeError: ``path`` is not a str or path, or ``max_bytes`` not an int.
        ValueError: ``max_bytes`` is negative.
    """
    target = _nonempty(path, "read")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
        raise TypeError(f"max_bytes: expected an int, got {type(max_bytes).__name__}")
    if max_bytes < 0:
        raise ValueError(f"max_bytes: expected a whole number >= 0, got {max_bytes}")
    mode = _mode(target, "read")
    if mode is None:
        raise FileError(f"cannot read {_show(target)}: no such file")
    if stat.S_ISDIR(mode):
        raise FileError(f"cannot read {_show(target)}: it is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise FileError(f"cannot read {_show(target)}: not a regular file ({_kind(mode)})")
    data = _read_regular(target, max_bytes)
    if len(data) > max_bytes:
        raise FileError(
            f"cannot read {_show(target)}: larger than the limit of {max_bytes:,} bytes"
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise FileError(
            f"cannot read {_show(target)}: not UTF-8 text (byte {error.start})"
        ) from None


def check_target(path: Path | str, *, overwrite: bool, inputs: Iterable[Path | str] = ()) -> Path:
    """``path`` as a :class:`Path` if a file can be written there; call it before long work.

    Raises:
        FileError: empty path; the path is one of ``inputs`` (the same file, by any name); it is a
            directory or not a regular file; it exists and ``overwrite`` is false; its folder is
            missing, not a folder, or not writable.
    """
    target = _nonempty(path, "write")
    for given in inputs:
        if _same_file(target, Path(given)):
            raise FileError(
                f"refusing to write {_show(target)}: it is one of this command's inputs; "
                "choose another output file"
            )
    mode = _mode(target, "write")
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise FileError(f"cannot write {_show(target)}: it is a directory")
        if not stat.S_ISREG(mode):
            raise FileError(f"cannot write {_show(target)}: not a regular file ({_kind(mode)})")
        if not overwrite:
            raise _exists(target)
    folder = target.parent
    folder_mode = _mode(folder, "write")
    if folder_mode is None or not stat.S_ISDIR(folder_mode):
        raise FileError(f"cannot write {_show(target)}: folder {_show(folder)} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileError(f"cannot write {_show(target)}: folder {_show(folder)} is not writable")
    return target


def write_atomic(
    path: Path | str, data: bytes, *, overwrite: bool, inputs: Iterable[Path | str] = ()
) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename.

    A failed or interrupted write leaves any old file untouched and no partial file. Without
    ``overwrite`` an existing file is never replaced, even one created meanwhile (the final step is
    a no-clobber link). Returns the path written.

    Raises:
        FileError: as :func:`check_target`, or the write itself failed (disk full, …).
    """
    target = check_target(path, overwrite=overwrite, inputs=inputs)
    temp = _write_temp(data, target)
    try:
        if overwrite:
            os.replace(temp, target)
        else:
            _link_no_clobber(temp, target)
    except OSError as error:
        raise FileError(f"cannot write {_show(target)}: {_reason(error)}") from None
    finally:
        temp.unlink(missing_ok=True)
    return target


# ---- helpers ----------------------------------------------------------------------------------


def _nonempty(path: Path | str, verb: str) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a str or os.PathLike, got {type(path).__name__}")
    if os.fspath(path) == "":
        raise FileError(f"cannot {verb} '': the path is empty")
    return Path(path)


def _mode(path: Path, verb: str) -> int | None:
    """``st_mode`` of ``path`` (following links), ``None`` if nothing is there."""
    try:
        return path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise FileError(f"cannot {verb} {_show(path)}: {_reason(error)}") from None
    except ValueError as error:  # an embedded NUL byte
        raise FileError(f"cannot {verb} {_show(path)}: {error}") from None


def _same_file(a: Path, b: Path) -> bool:
    """The same file by any name (links included); for a path not there yet, the same path."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    try:
        return a.resolve() == b.resolve() if a.name and b.name else False
    except (OSError, RuntimeError, ValueError):  # a symlink loop, an unreachable folder
        return False


def _read_regular(path: Path, max_bytes: int) -> bytes:
    """Up to ``max_bytes + 1`` bytes of ``path``, refusing it if it is not (or no longer) a file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise FileError(f"cannot read {_show(path)}: {_reason(error)}") from None
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):  # swapped for a FIFO or device after the first look
            raise FileError(f"cannot read {_show(path)}: not a regular file ({_kind(mode)})")
        try:
            return handle.read(max_bytes + 1)
        except OSError as error:
            raise FileError(f"cannot read {_show(path)}: {_reason(error)}") from None


def _kind(mode: int) -> str:
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a device", stat.S_ISBLK: "a device"}
    return next((name for test, name in kinds.items() if test(mode)), "a socket or other")


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def _show(path: Path) -> str:
    """The path for a one-line message: quoted, control characters escaped."""
    return repr(str(path))


def _write_temp(data: bytes, path: Path) -> Path:
    """A new file beside ``path`` holding ``data``: the replaced file's permissions, or the umask's.

    Its name is the target's, cut to 100 bytes, hidden and suffixed, so it fits any folder the
    target fits (names are limited to 255 bytes, not characters).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    stem = os.fsdecode(os.fsencode(path.name)[:100])
    for attempt in range(100):
        temp = path.with_name(f".{stem}.{os.getpid()}.{attempt}.tmp")
        try:
            descriptor = os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise FileError(f"cannot write {_show(path)}: {_reason(error)}") from None
        try:
            _keep_mode(descriptor, path)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException as error:  # also KeyboardInterrupt: never leave the partial file
            temp.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise FileError(f"cannot write {_show(path)}: {_reason(error)}") from None
            raise
        return temp
    raise FileError(f"cannot write {_show(path)}: could not create a temporary file beside it")


def _keep_mode(descriptor: int, path: Path) -> None:
    """Give the new file the permissions of the file it replaces, if there is one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except (OSError, ValueError):
        return
    os.fchmod(descriptor, mode)


def _link_no_clobber(temp: Path, path: Path) -> None:
    """Give ``temp`` the name ``path`` unless ``path`` exists (atomic where hard links work)."""
    try:
        os.link(temp, path)
        return
    except FileExistsError:
        raise _exists(path) from None
    except OSError:  # a file system without hard links: exclusive create, then copy
        pass
    try:
        target = open(path, "xb")  # noqa: SIM115  # closed below; removed if the copy fails
    except FileExistsError:
        raise _exists(path) from None
    try:
        with target, open(temp, "rb") as source:
            shutil.copyfileobj(source, target)
            target.flush()
            os.fsync(target.fileno())
    except BaseException:  # never leave a cut-off copy under the user's name
        path.unlink(missing_ok=True)
        raise


def _exists(path: Path) -> FileError:
    return FileError(
        f"{_show(path)} already exists; not overwriting it (pass overwrite=True, or --overwrite)"
    )
