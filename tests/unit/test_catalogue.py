"""The Turkish catalogue is complete, and the compiled .mo says what the .po says."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def entries(po: Path) -> list[dict[str, object]]:
    """A small .po reader: msgctxt, msgid, msgid_plural, msgstr/msgstr[n], flags."""
    result: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for raw in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current:
                result.append(current)
            current, key = {}, ""
            continue
        if line.startswith("#,"):
            current["flags"] = line[2:].strip()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] = str(current[key]) + ast.literal_eval(line)
        else:
            key, _sep, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return result


def test_every_turkish_entry_is_translated_and_not_fuzzy() -> None:
    missing = []
    for entry in entries(LOCALE / "tr" / "LC_MESSAGES" / "django.po"):
        if not entry.get("msgid"):
            continue  # the header
        if "fuzzy" in str(entry.get("flags", "")):
            missing.append(f"fuzzy: {entry['msgid']}")
        strings = [v for k, v in entry.items() if k.startswith("msgstr")]
        if not strings or not all(strings):
            missing.append(str(entry["msgid"]))
        if "msgid_plural" in entry:
            assert "msgstr[0]" in entry and "msgstr[1]" in entry, entry["msgid"]
    assert missing == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    folder = LOCALE / "tr" / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries(folder / "django.po"):
        msgid = str(entry.get("msgid", ""))
        if not msgid:
            continue
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            got = compiled.ngettext(msgid, str(entry["msgid_plural"]), 1)
            if context:
                got = compiled.npgettext(str(context), msgid, str(entry["msgid_plural"]), 1)
            assert got == entry["msgstr[0]"], msgid
        else:
            got = compiled.pgettext(str(context), msgid) if context else compiled.gettext(msgid)
            assert got == entry["msgstr"], msgid
