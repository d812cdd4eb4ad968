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
