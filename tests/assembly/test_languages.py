"""The language switch, and a right-to-left language added by dropping in a catalogue.

A pseudo-Sorani (``ckb``) catalogue is made from the Turkish one, with every string marked
and wrapped in right-to-left marks; with it in LOCALE_PATHS and LANGUAGES, pages must come
out right to left, in that catalogue, with the switch offering it in its own name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assembly.models import User
from tests.conftest import need
from tests.unit.test_catalogue import LOCALE, entries

pytestmark = pytest.mark.django_db

RLM = "\u200f"


def pseudo(text: str) -> str:
    return f"{RLM}ـ{text}ـ{RLM}"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@pytest.fixture
def pseudo_sorani(tmp_path: Path, settings: Any) -> Path:
    need(shutil.which("msgfmt") is not None, "msgfmt (gettext) is not installed")
    lines = [
        'msgid ""',
        'msgstr "Content-Type: text/plain; charset=UTF-8\\n'
        'Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
        "",
    ]
    for e in entries(LOCALE / "tr" / "LC_MESSAGES" / "django.po"):
        if not e.get("msgid"):
            continue
        if "msgctxt" in e:
            lines.append(f"msgctxt {quote(str(e['msgctxt']))}")
        lines.append(f"msgid {quote(str(e['msgid']))}")
        if "msgid_plural" in e:
            lines.append(f"msgid_plural {quote(str(e['msgid_plural']))}")
            lines.append(f"msgstr[0] {quote(pseudo(str(e['msgid'])))}")
            lines.append(f"msgstr[1] {quote(pseudo(str(e['msgid_plural'])))}")
        else:
            lines.append(f"msgstr {quote(pseudo(str(e['msgid'])))}")
        lines.append("")
    folder = tmp_path / "ckb" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text("\n".join(lines), encoding="utf-8")
    subprocess.run(
        ["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True
    )
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    settings.LANGUAGES = [*settings.LANGUAGES, ("ckb", "Sorani")]
    return tmp_path


def test_a_right_to_left_catalogue_turns_the_pages_around(
    pseudo_sorani: Path,
) -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": "ckb", "next": "/"}, follow=True)
    html = response.content.decode()
    assert re.search(r'<html lang="ckb" dir="rtl"', html)
    assert pseudo("Skip to content") in html
    # The switch names each language in itself, marked with its own direction.
    assert re.search(r'lang="ckb" dir="rtl" aria-pressed="true">کوردی</button>', html)
    assert 'lang="tr" dir="ltr" aria-pressed="false">Türkçe</button>' in html
    assert pseudo("The language is now %(language)s.") % {"language": "کوردی"} in html


def test_the_language_switch_says_what_it_did(member: User) -> None:
    client = Client()
    client.force_login(member)
    html = client.post(
        reverse("set_language"), {"language": "en", "next": "/decisions/"}, follow=True
    ).content.decode()
    assert '<html lang="en" dir="ltr"' in html
    assert "The language is now English." in html
    assert 'lang="en" dir="ltr" aria-pressed="true">English</button>' in html
    member.refresh_from_db()
    assert member.language == "en"


def test_an_unknown_language_is_refused_and_changes_nothing(member: User) -> None:
    client = Client()
    client.force_login(member)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"}, follow=True)
    assert "Bu dil kullanılamıyor; hiçbir şey değiştirilmedi." in response.content.decode()
    assert "django_language" not in client.cookies
    member.refresh_from_db()
    assert member.language == "tr"
    assert "xx" not in dict(settings.LANGUAGES)


def test_dates_are_written_the_readers_way(public_session: Any) -> None:
    public_session.starts_at = datetime(2026, 3, 5, 14, 30, tzinfo=ZoneInfo("Europe/Istanbul"))
    public_session.save(update_fields=["starts_at"])
    url = reverse("session", args=[public_session.pk])
    turkish, english = Client(), Client()
    english.cookies["django_language"] = "en"
    assert "5 Mart 2026 Perşembe, 14:30" in turkish.get(url).content.decode()
    assert "Thursday, 5 March 2026, 14:30" in english.get(url).content.decode()
