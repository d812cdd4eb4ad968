"""Hostile input for the fuzz suite: extreme numbers, wrong types, wrong lengths, hostile files.

The oracle is the input policy in README ("Input policy"): a public function returns, or raises a
``TypeError``/``ValueError``/``ArithmeticError`` subclass or one of the project's errors, with a
message that names what is wrong; the CLI exits 0, 1 or 2 with one escaped line of error and no
traceback; nothing outside the test's own temporary folder changes.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from microgradnet.errors import AnomalyError, FileError, GradcheckError, RenderError, ShapeError

#: The fuzz tests' settings: the loaded profile (deterministic under CI=1) with a bounded number of
#: examples, so the whole suite adds seconds, not minutes.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZ_CLI = settings(FUZZ, max_examples=40)

#: What a public function may raise on bad input (README, "Input policy").
DOCUMENTED = (TypeError, ValueError, ArithmeticError, FileError, RenderError, GradcheckError)

#: Messages that show Python's own machinery answered, not a check naming the argument.
_RAW = re.compile(
    "|".join(  # noqa: FLY002  # one alternative a line reads better than one long string
        [
            r"object has no attribute",
            r"(not enough|too many) values to unpack|cannot unpack non-iterable",
            r"could not convert string to float",
            r"unsupported operand type\(s\)",
            r"object is not (subscriptable|iterable|callable)",
            r"has no len\(\)",
            r"math domain error",
            r"division by zero|division or modulo by zero",
            r"int too large to convert to float",
            r"Numerical result out of range",
            r"maximum recursion depth",
            r"Exceeds the limit \(\d+ digits\)",
            r"must be real number, not",
            r"object cannot be interpreted as an integer",
            r"argument must be a string or a (real )?number",
            r"pop from empty list",
        ]
    )
)


def assert_documented(error: BaseException) -> None:
    """``error`` is one the input policy allows, and its message is not Python's raw one."""
    assert isinstance(error, DOCUMENTED), f"undocumented {type(error).__name__}: {error}"
    if isinstance(error, (AnomalyError, GradcheckError, ShapeError)):
        return  # the project's own, always worded by the project
    message = str(error)
    assert message, f"{type(error).__name__} without a message"
    assert not _RAW.search(message), f"raw {type(error).__name__}: {message}"


def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, or None after a documented error (any other fails)."""
    try:
        return function(*args, **kwargs)
    except DOCUMENTED as error:
        assert_documented(error)
        return None


# ---- numbers ------------------------------------------------------------------------------------

#: Floats that break naive arithmetic: inf, nan, the largest, the smallest, signed zeros.
extreme_floats = st.sampled_from(
    [math.inf, -math.inf, math.nan, 1.7976931348623157e308, -1e308, 1e200, -1e200, 5e-324, -0.0]
) | st.floats(allow_nan=True, allow_infinity=True)
#: Finite floats of any size (where IEEE inf/nan must come out, never a Python exception).
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
#: Integers beyond float range, beyond 4,300 digits (int→str limit), and bools.
extreme_ints = st.sampled_from([10**400, -(10**400), 2**1024, True, False, 0, -1, 10**9])
numbers = extreme_floats | extreme_ints | st.integers(-5, 5)

#: Things that are not numbers: strings that look like numbers, None, containers, objects.
wrong_types = st.sampled_from(
    ["10", "1.5", "", "nan", b"1", None, [], [1.0], {}, {"a": 1}, object(), 1 + 2j, ..., float]
)
scalars = numbers | wrong_types
#: Lists of the wrong length (0 to 4) of numbers or of anything.
vectors = st.lists(numbers, max_size=4) | st.lists(scalars, max_size=4) | wrong_types


# ---- strings and paths ----------------------------------------------------------------------------

#: Characters a terminal acts on instead of showing: NUL, ESC, CSI, bidi overrides, line breaks.
CONTROL = "\x00\x1b\x07\x08\r\n\x7f\x85\u200b\u202e\u2066\u2028\ufeff\x9b"
hostile_text = st.text(
    alphabet=st.sampled_from(list(CONTROL) + list("aσ½ [];=\"'\\%{}")), max_size=30
)


def has_raw_control(text: str) -> bool:
    """Whether ``text`` holds a character that a terminal would act on (other than \\n and \\t)."""
    return any(ch in CONTROL and ch not in "\n" for ch in text)


# ---- keeping the rest of the machine unchanged ----------------------------------------------------

_SKIP = {".git", ".hypothesis", ".pytest_cache", "__pycache__", ".mypy_cache", ".ruff_cache"}


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """path -> (size, mtime_ns, sha256 of the first 64 KiB) for every file under ``root``."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP and not d.endswith(".egg-info")]
        for name in names:
            path = Path(folder, name)
            try:
                info = path.lstat()
                head = path.read_bytes()[:65536] if path.is_file() else b""
            except OSError:
                continue
            found[str(path)] = (info.st_size, info.st_mtime_ns, hashlib.sha256(head).hexdigest())
    return found


@contextmanager
def unchanged(*roots: Path) -> Iterator[None]:
    """Fail if any file under ``roots`` is added, removed or changed by the block."""
    before = [snapshot(root) for root in roots]
    yield
    for root, old in zip(roots, before):
        new = snapshot(root)
        changed = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
        assert not changed, f"files outside the temporary folder changed: {changed[:5]}"
