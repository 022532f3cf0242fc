"""Interstitial promos: lines a reader should not see inside an article.

"À lire aussi : …", "READ MORE: …", "Lesen Sie auch", "Related Stories", "Advertisement",
"Sign up for our newsletter"… The families are data, one file of patterns per language in
``cleaners/data/promos/<lang>.txt``.

* `.rules`: loading the pattern files and matching one line (`load_promo_rules`,
  `match_promo_line`);
* `.vocabulary`: an article's content words, to tell a promo's headline from its own lines;
* `.blocks`: promo blocks, a heading and the run of linked titles under it
  (`find_promo_blocks`; block headings in ``cleaners/data/promos/blocks/headings.txt``);
* `.detect`: the four signals over a whole article (`find_promo_lines`, `strip_promos`).
"""

from __future__ import annotations

from cleaners.text.promos.blocks import PromoBlock, find_promo_blocks
from cleaners.text.promos.detect import find_promo_lines, strip_promos
from cleaners.text.promos.rules import (
    PROMO_LANGS,
    PromoRule,
    load_promo_rules,
    match_promo_line,
)

__all__ = [
    "PROMO_LANGS",
    "PromoBlock",
    "PromoRule",
    "find_promo_blocks",
    "find_promo_lines",
    "load_promo_rules",
    "match_promo_line",
    "strip_promos",
]
