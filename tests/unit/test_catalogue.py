"""The catalogues are complete: every string marked in Python and templates is in the Turkish
and English catalogues, translated and not fuzzy; no template text escapes translation; the
compiled .mo says what the .po says; the styles are ready for right-to-left languages."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import need

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


# --- Every string in the sources is in both catalogues -----------------------------------

ROOT = LOCALE.parent
SKIP = {".venv", "var", "tests", "bench", "node_modules", ".git"}
KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def sources(suffix: str) -> list[Path]:
    return sorted(
        p
        for p in ROOT.rglob(f"*{suffix}")
        if not SKIP & set(p.relative_to(ROOT).parts) and "migrations" not in p.parts
    )


def marked_strings(tmp: Path) -> set[tuple[str, str]]:
    """(context, msgid) of every string marked in Python and templates, read as
    ``makemessages`` reads them (templates turned into Python, then xgettext)."""
    from django.utils.translation.template import templatize

    need(shutil.which("xgettext") is not None, "xgettext (gettext) is not installed")
    files = [str(p) for p in sources(".py")]
    for i, template in enumerate(sources(".html")):
        python = tmp / f"template_{i}.py"
        python.write_text(templatize(template.read_text(encoding="utf-8"), str(template)))
        files.append(str(python))
    pot = tmp / "sources.pot"
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", *KEYWORDS, "-o", str(pot), *files],
        check=True,
        capture_output=True,
    )
    return {(str(e.get("msgctxt", "")), str(e["msgid"])) for e in entries(pot) if e.get("msgid")}


def test_every_marked_string_is_in_both_catalogues(tmp_path: Path) -> None:
    marked = marked_strings(tmp_path)
    assert len(marked) > 500  # the extraction found the site's strings
    for language in ("tr", "en"):
        po = entries(LOCALE / language / "LC_MESSAGES" / "django.po")
        known = {(str(e.get("msgctxt", "")), str(e["msgid"])) for e in po if e.get("msgid")}
        missing = sorted(marked - known)
        assert missing == [], f"{language}: run `make messages` and translate: {missing}"
        fuzzy = [e["msgid"] for e in po if "fuzzy" in str(e.get("flags", "")) and e.get("msgid")]
        assert fuzzy == [], f"{language}: fuzzy entries: {fuzzy}"


# --- No text in a template escapes translation ----------------------------------------

# Names and symbols that read the same in every language.
NOT_WORDS = {
    "Ortak",
    "Türkçe",
    "English",
    "CSV",
    "JSON",
    "API",
    "A−",
    "A+",
    "·",
    "—",
    "–",
    "→",
    "←",
    "×",
    "✓",
}
HIDDEN = re.compile(
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}"
    r"|{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}"
    r"|{{.*?}}|{%.*?%}|<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->",
    re.DOTALL,
)
SPOKEN_ATTRIBUTES = re.compile(
    r'\b(?:aria-label|title|alt|placeholder|aria-description|aria-roledescription)="([^"]*)"'
)


def loose_text(template: str) -> list[str]:
    """Words in a template that no translation tag or variable covers."""
    text = HIDDEN.sub(" ", template)
    found = [v for v in SPOKEN_ATTRIBUTES.findall(text) if re.search(r"[^\W\d_]", v)]
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    found += [w for w in text.split() if re.search(r"[^\W\d_]", w) and w not in NOT_WORDS]
    return found


def test_templates_have_no_text_outside_translation_tags() -> None:
    loose = {
        str(p.relative_to(ROOT)): words
        for p in sources(".html")
        if (words := loose_text(p.read_text(encoding="utf-8")))
    }
    assert loose == {}


def test_the_template_check_sees_loose_text() -> None:
    assert loose_text('<p title="Close">{% translate "Save" %} Kaydet {{ x }}</p>') == [
        "Close",
        "Kaydet",
    ]
    assert (
        loose_text("{# Not shown #}<b>{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}</b>")
        == []
    )


# --- Right to left ------------------------------------------------------------------------

PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right)[\w-]*|left|right)\s*:"
    r"|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)"
)


def test_the_styles_use_logical_properties_only() -> None:
    """Physical sides break right-to-left pages (Arabic, Sorani): use inline-start/end."""
    for css in (ROOT / "frontend_templates" / "static").rglob("*.css"):
        found = [m.group(0) for m in PHYSICAL.finditer(css.read_text(encoding="utf-8"))]
        assert found == [], f"{css.name}: {found}"
    assert PHYSICAL.search("a { margin-left: 1rem }")
    assert PHYSICAL.search("b { right: 0 }")
    assert not PHYSICAL.search("c { margin-inline-start: 1rem; inset-inline-start: 0 }")
