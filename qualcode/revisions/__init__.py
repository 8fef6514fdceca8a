"""Corrected transcripts keep their codings: document revisions and re-anchoring.

``align`` maps offsets of an old text into a new one (a line, then word, diff run to
completion); ``anchor`` places each coding's quote and context, or sends it to review;
``store`` makes a new revision in the database; ``review`` re-places or drops what waits
for review; ``history`` lists revisions with a word diff and reverts to one.
"""
