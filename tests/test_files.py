"""Reading the user's files and writing ours: one-line refusals, atomic writes, inputs never hit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from microgradnet.errors import FileError
from microgradnet.files import read_text, write_atomic


def test_read_text_drops_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "ex.toml"
    path.write_bytes(b"\xef\xbb\xbfname = 'x'\n")
    assert read_text(path) == "name = 'x'\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: "", "the path is empty"),
        (lambda tmp: tmp, "is a directory"),
        (lambda tmp: tmp / "missing.toml", "no such file"),
        (lambda tmp: Path("/dev/null"), r"not a regular file \(a device\)"),
    ],
)
def test_read_text_refuses_what_is_not_a_regular_file(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(FileError, match=message):
        read_text(make(tmp_path))


def test_read_text_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileError, match=r"not a regular file \(a FIFO\)"):
        read_text(fifo)


def test_read_text_refuses_oversized_and_non_utf8_files(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 101)
    with pytest.raises(FileError, match="larger than the limit of 100 bytes"):
        read_text(big, max_bytes=100)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"ok\xff")
    with pytest.raises(FileError, match=r"not UTF-8 text \(byte 2\)"):
        read_text(binary)


def test_write_atomic_never_lands_on_an_input(tmp_path: Path) -> None:
    source = tmp_path / "ex.gv"
    source.write_text("keep me")
    alias = tmp_path / "alias.gv"
    alias.symlink_to(source)
    for target in (source, alias, tmp_path / "." / "ex.gv"):
        with pytest.raises(FileError, match="one of this command's inputs"):
            write_atomic(target, b"dot text", overwrite=True, inputs=[source])
    assert source.read_text() == "keep me"


def test_write_atomic_does_not_clobber_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "g.svg"
    write_atomic(target, b"first", overwrite=False)
    with pytest.raises(FileError, match="already exists"):
        write_atomic(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first"
    write_atomic(target, b"second", overwrite=True)
    assert target.read_bytes() == b"second"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "g.png"
    target.write_bytes(b"old picture")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(FileError, match="no space left on device"):
        write_atomic(target, b"new picture", overwrite=True)
    assert target.read_bytes() == b"old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.png"]


def test_an_interrupted_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "g.png", b"half", overwrite=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "the path is empty"), ("missing/g.svg", "does not exist"), (".", "is a directory")],
)
def test_write_atomic_refuses_bad_targets(tmp_path: Path, name: str, message: str) -> None:
    target = name if name == "" else tmp_path / name
    with pytest.raises(FileError, match=message):
        write_atomic(target, b"x", overwrite=True)


def test_read_text_checks_its_limit() -> None:
    with pytest.raises(ValueError, match=r"^max_bytes: expected a whole number >= 0, got -1$"):
        read_text("x", max_bytes=-1)
    with pytest.raises(TypeError, match=r"^max_bytes: expected an int, got float$"):
        read_text("x", max_bytes=1e6)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^path: expected a str or os.PathLike, got NoneType$"):
        read_text(None)  # type: ignore[arg-type]


def test_read_text_refuses_a_fifo_swapped_in_after_the_first_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    from microgradnet import files

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    monkeypatch.setattr(files, "_mode", lambda path, verb: stat.S_IFREG | 0o644)  # "a file"
    with pytest.raises(FileError, match=r"not a regular file \(a FIFO\)"):  # and no hang
        read_text(fifo)


def test_a_long_unicode_name_gets_a_temporary_file_that_fits(tmp_path: Path) -> None:
    target = tmp_path / ("图" * 80 + ".svg")  # 244 bytes: fits; the temporary name must too
    write_atomic(target, b"<svg/>", overwrite=False)
    assert target.read_bytes() == b"<svg/>" and len(list(tmp_path.iterdir())) == 1


def test_overwriting_keeps_the_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "g.svg"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new", overwrite=True)
    assert (target.read_bytes(), target.stat().st_mode & 0o777) == (b"new", 0o640)


def test_without_hard_links_the_copy_is_exclusive_and_never_left_half_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    def no_links(*args: object) -> None:
        raise OSError(1, "Operation not permitted")  # e.g. FAT or some network file systems

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "g.svg"
    write_atomic(target, b"first", overwrite=False)
    assert target.read_bytes() == b"first"
    with pytest.raises(FileError, match="already exists"):
        write_atomic(target, b"second", overwrite=False)

    def copy_fails(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", copy_fails)
    with pytest.raises(FileError, match="no space left on device"):
        write_atomic(tmp_path / "h.svg", b"new", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]
