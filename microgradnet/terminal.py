"""Make text safe to show on a terminal: control characters escaped, error messages on one line.

Text that reaches the terminal may carry bytes from a user's file or command line: a NUL, an ANSI
escape that recolours or clears the screen, a right-to-left override that reverses what follows,
a lone surrogate from an undecodable file name (which would not even encode). :func:`printable`
writes each such character as a visible escape (``\\x1b``, ``\\u202e``) and keeps everything a
reader should see, ``σ``, ``½`` and ``→`` included; :func:`one_line` also escapes line breaks and
shortens a runaway message, for the CLI's and the demos' one-line errors.

    >>> one_line("bad\\x1b[2Jname\\nnext")
    'bad\\\\x1b[2Jname\\\\nnext'
"""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_MESSAGE_CHARS", "one_line", "printable"]

MAX_MESSAGE_CHARS = 1000
"""A one-line message longer than this is cut, saying how much was left out."""

# Control (Cc), format (Cf: bidi overrides, zero-width), surrogate (Cs), private use (Co) and the
# line/paragraph separators: the categories that change the display instead of showing a glyph.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def printable(text: str, *, keep: str = "\n\t") -> str:
    """``text`` with every control/format character not in ``keep`` written as an escape.

    A line break or tab becomes ``\\n``, ``\\r``, ``\\t``, another ASCII control ``\\xNN``, any
    other ``\\uNNNN`` (``\\UNNNNNNNN`` past the Basic Multilingual Plane), which inside a JSON
    string still means the same character.
    """
    if text.isprintable():
        return text
    return "".join(_escape(ch) if _hidden(ch, keep) else ch for ch in text)


def one_line(text: str, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` as one safe line: line breaks escaped too, cut to about ``limit`` characters."""
    line = printable(text.rstrip("\n"), keep="")
    if len(line) <= limit:
        return line
    return f"{line[:limit]}… ({len(line) - limit:,} more characters)"


def _hidden(ch: str, keep: str) -> bool:
    return ch not in keep and unicodedata.category(ch) in _HIDDEN


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _SHORT:
        return _SHORT[ch]
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
