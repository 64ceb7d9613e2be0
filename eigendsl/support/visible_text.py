"""Text as a person reads it (:func:`visible_text`): what every reader of a message's words
(``said``, ``says``, ``sentences``, ``words``, ``numbers``, ``amounts``) reads, so that a check
forbids what the customer sees, not only the same bytes. Without it, one invisible character
("d\\u200belivered", "c\\u00adancelled"), a look-alike letter (a Cyrillic "е" in "dеlivered")
or Markdown emphasis inside a word ("**deliv**ered") hides a forbidden word from a check while
a chat window shows it whole."""

from __future__ import annotations

import re
import unicodedata

# Invisible characters beside Unicode's format characters (category Cf: the soft hyphen, the
# zero-width space, joiner and non-joiner, the word joiner, the byte order mark, bidirectional
# controls, tags): the combining grapheme joiner, the variation selectors and the Hangul fillers.
_INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10)]
    + list(range(0xE0100, 0xE01F0))
)


# Letters of other scripts that look like Latin ones (after NFKC, which already folds the
# full-width, mathematical and ligature forms): Cyrillic, Greek, and Latin's small capitals and
# dotless i and j. A text's words and a check's needle are folded alike, so a name in Cyrillic
# still matches itself.
_LOOK_ALIKES = str.maketrans(
    {
        **dict(zip("аеорсухѕіјԁһӏԛԝ", "aeopcyxsijdhlqw", strict=True)),
        **dict(zip("АВЕКМНОРСТУХЅІЈԀӀԚԜ", "ABEKMHOPCTYXSIJDIQW", strict=True)),
        **dict(zip("αικνορτυχ", "aikvoptux", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
        **dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢıȷ", "abcdefghijklmnoprstuvwyzij", strict=True)),
    }
)


# Markdown emphasis, strikethrough or code marks inside a word or a number, which a chat window
# draws as no character: "**deliv**ered" and "d*elivere*d" show "delivered", "$**17**.90" and
# "don'*t*" show "$17.90" and "don't". ``_`` joins words here ("gift_6690") and CommonMark does
# not emphasise inside a word with it.
_MARKUP_INSIDE_WORD = re.compile(
    r"(?:(?<=[^\W_])|(?<=[$#.,'\u2019-]))[*~`]+(?=[^\W_]|[.,'\u2019-][^\W_])"
)


class _AsSeen(dict[int, "str | None"]):
    """What :func:`visible_text` reads each character as, for ``str.translate``, worked out the
    first time a character comes: nothing for an invisible one; for a letter, a decimal digit or
    a full-width ASCII sign, its NFKC form (full-width, mathematical and ligature forms as plain
    ones: "\uff44", "\U0001d41d" and "\u1d05" are "d") with look-alikes as Latin; any other
    character as itself, so that "…", a no-break space, "½" and emoji stay as written."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        category = unicodedata.category(char)
        seen: str | None = char
        if category == "Cf" or code in _INVISIBLE:
            seen = None
        elif category[0] == "L" or category == "Nd" or 0xFF01 <= code <= 0xFF5E:
            seen = unicodedata.normalize("NFKC", char).translate(_LOOK_ALIKES)
        self[code] = seen
        return seen


_AS_SEEN = _AsSeen()


def visible_text(text: str) -> str:
    """``text`` as a person reads it: invisible characters removed (Unicode's format characters,
    category Cf, and :data:`_INVISIBLE`), letters and digits in their plain form (full-width and
    mathematical ones, ligatures), letters that look Latin as Latin (:data:`_LOOK_ALIKES`),
    accents composed (NFC), and Markdown marks inside a word or a number removed. Plain ASCII
    text without those marks is itself; accented letters, punctuation and emoji stay.

    >>> visible_text("c\\u00adancelled, d\\u200belivered, \\u0441ancelled, **deliv**ered")
    'cancelled, delivered, cancelled, **delivered'
    >>> honest = "**José**, order #W1 is *shipped* \\U0001f69a\\u2026 gift_card_6690, 2 * 3."
    >>> visible_text(honest) == honest
    True
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text.translate(_AS_SEEN))
    if "*" in text or "~" in text or "`" in text:
        text = _MARKUP_INSIDE_WORD.sub("", text)
    return text
