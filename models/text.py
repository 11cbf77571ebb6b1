"""Review text before it reaches the model: HTML stripped, length capped, and unusable text given a reason."""
from __future__ import annotations

import html
import re

MAX_CHARS = 4000  # far beyond the 128-token window; keeps a 50,000-character paste cheap to tokenize
_TAG = re.compile(r"<[^>]{0,500}>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{2,}", re.U)
_ENGLISH = frozenset("""the a an and or but is are was were be been it its this that these those i me my we our you your
she he they them their to of in on at for with as so not no very too just really love like fit size wear
would will can could did do does have has had if than then what when from up out all one more""".split())
# Frequent function words of the other languages a European shop's reviews come in (French, German, Spanish,
# Italian, Portuguese, Dutch), leaving out any that are also English words ("die", "war", "son", "also", ...).
# Short English reviews are often telegraphic ("Lovely socks, great color, stitched well") and hold none of the
# English function words, so a text is called foreign only on positive evidence of another language.
_FOREIGN = frozenset("""le la les un une des est et du pas pour avec dans très ce cette sont il elle je nous vous qui
que mais bien trop tout petit ne sur au aux der das und ist nicht ein eine sehr mit für auf ich sie es zu den dem
sind aber auch wie gut zu el los las es muy con para por pero del lo se una y las está gracias il di che non per
della sono molto ma più questo um uma com não muito para mas het een niet zijn maar ook heel voor""".split()) - _ENGLISH


def join(title, body) -> str:
    """Title and body as one text, the way the model was trained ("Title. Body")."""
    title = "" if title is None or title != title else str(title).strip()  # `!=` catches NaN
    body = "" if body is None or body != body else str(body).strip()
    if title and body:
        return f"{title}. {body}"
    return title or body


def clean(text) -> tuple[str, str]:
    """(text the model sees, reason it is unusable or ''); a non-empty reason means: label it 'unknown'."""
    if text is None or (isinstance(text, float) and text != text):
        return "", "empty text"
    t = str(text)
    t = t[: MAX_CHARS * 4]  # before the regexes, so a pasted novel costs no more than a long review
    if "<" in t and ">" in t:
        t = _TAG.sub(" ", _SCRIPT.sub(" ", t))
    t = _WS.sub(" ", html.unescape(t)).strip()
    t = t[:MAX_CHARS]
    if not t:
        return "", "empty text"
    words = _WORD.findall(t)
    if not words:
        return t, "no words (only emoji, symbols or numbers)"
    latin = sum(ch.isascii() for w in words for ch in w)
    letters = sum(len(w) for w in words)
    if latin / letters < 0.5:
        return t, "not English (the model reads English reviews)"
    lower = [w.lower() for w in words]
    foreign = sum(w in _FOREIGN for w in lower)
    if len(lower) >= 5 and foreign >= 2 and foreign > sum(w in _ENGLISH for w in lower):
        return t, "not English (the model reads English reviews)"
    return t, ""
