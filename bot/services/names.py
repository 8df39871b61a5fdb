"""Name rules shared by features: how team names compare."""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """The comparison key of a name: NFKC-normalized, case-folded, inner spaces collapsed.

    "Ｔｅａｍ Ａ", "team a" and "TEAM  A" share one key, so they count as the same name.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split())
