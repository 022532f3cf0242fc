"""Text cleaning: one article's raw text to clean text and an edit log (`clean.clean_text`).

`encoding` (bytes, entities, mojibake), `html`, `shortcodes`, `promos` and `typography` are
the steps; `regex_tree` is the one reader of Python's regex parse tree, for their pre-filters.
"""
