"""The text layer: every rule about Swedish text that more than one module needs.

- `normalize`: whitespace and Unicode, for matching (never for what is quoted);
- `words`: word tokens, stopwords and Snowball stems, compound-aware stem matching;
- `sentences`: sentence spans (sentencex, Swedish, with the annex's abbreviations);
- `measures`: measure numbers, references and ranges;
- `groups`: group words ("stadsdelsnämnderna") and the kinds they name;
- `names`: whole-word and typo-tolerant name matching;
- `placeholders`: the "Skrivelse saknas." placeholder and questions about it;
- `reported`: sentences that retell the commission's text ("Kommissionen föreslår …").
"""

from ingest.text.normalize import nfc, normalize_for_match, normalize_lines, normalize_ws

__all__ = ["nfc", "normalize_for_match", "normalize_lines", "normalize_ws"]
