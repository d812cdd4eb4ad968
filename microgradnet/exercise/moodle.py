"""Write an exercise as a Moodle XML quiz: the problem as a description, one numerical question each.

Moodle XML (docs.moodle.org, "Moodle XML format"): a ``<quiz>`` of ``<question>`` elements; a
``category`` pseudo-question names where they go; HTML text sits in CDATA; a picture travels inside
the text as ``<file name=… path="/" encoding="base64">`` referred to as ``@@PLUGINFILE@@/name``. A
``numerical`` question's ``<answer fraction="100">`` carries the value and its ``<tolerance>``
(absolute, ±): here the exact value and ½·10⁻ᴾ, the same rule as ``exercise grade``.
"""

from __future__ import annotations

import base64
import html

from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.judge import tolerance
from microgradnet.exercise.text import answer_text, given, intro, rules
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.walkthrough import Walkthrough, run
from microgradnet.tutorial.write_walkthrough import equation

__all__ = ["quiz"]


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text(tag: str, body: str, extra: str = "") -> str:
    return f'<{tag} format="html"><text>{_cdata(body)}</text>{extra}</{tag}>'


def quiz(ex: Exercise, svg: str, diagram: str = "network.svg") -> str:
    """The quiz as XML text; ``svg`` is the network diagram, embedded as the file ``diagram``."""
    category = f"$course$/microgradnet/exercise {ex.spec.ident}"
    rows = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<quiz>",
        f'<question type="category"><category><text>{category}</text></category></question>',
        *_problem(ex, svg, diagram),
    ]
    record = run(ex.example)
    for n, key in enumerate(ex.questions, start=1):
        rows += _question(ex, record, n, key)
    rows.append("</quiz>")
    return "\n".join(rows) + "\n"


def _problem(ex: Exercise, svg: str, diagram: str) -> list[str]:
    """A description item: the problem's text, the given numbers and the diagram."""
    picture = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    problem = (
        f"<p>{html.escape(intro(ex))}</p>"
        f'<p><img src="@@PLUGINFILE@@/{diagram}" alt="the network"></p>'
        + "".join(f"<p>{html.escape(line)}</p>" for line in given(ex))
        + f"<p>{html.escape(rules(ex))}</p>"
    )
    attached = f'<file name="{diagram}" path="/" encoding="base64">{picture}</file>'
    return [
        '<question type="description">',
        f"<name><text>Exercise {ex.spec.ident}: the problem</text></name>",
        _text("questiontext", problem, attached),
        "</question>",
    ]


def _question(ex: Exercise, record: Walkthrough, n: int, key: Key) -> list[str]:
    """A numerical question: the exact value (P + 3 decimals) ± ½·10⁻ᴾ, the worked line as feedback.

    The exact value is at least 10⁻³ printed units from a rounding boundary (see ``draw``), so
    the correctly rounded answer is always within the tolerance of the P + 3 decimals written.
    """
    places, ident, notation = ex.spec.places, ex.spec.ident, ex.example.notation
    symbol = html.escape(notation(key).text)
    worked = html.escape(equation(record.line(key), notation, places))
    return [
        '<question type="numerical">',
        f"<name><text>{n}. {html.escape(str(key))}</text></name>",
        _text("questiontext", f"<p>Exercise {ident}, question {n}: {symbol} = ?</p>"),
        _text("generalfeedback", f"<p>{worked}</p>"),
        "<defaultgrade>1</defaultgrade>",
        "<penalty>0</penalty>",
        "<hidden>0</hidden>",
        f"<idnumber>{html.escape(ident)}-{n}</idnumber>",
        '<answer fraction="100" format="moodle_auto_format">',
        f"<text>{ex.model.values[key]:.{places + 3}f}</text>",
        f"<tolerance>{tolerance(places):.{places + 1}f}</tolerance>",
        _text("feedback", f"<p>{symbol} = {answer_text(ex, key)}</p>"),
        "</answer>",
        "</question>",
    ]
