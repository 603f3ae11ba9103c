"""config.env (typed environment readers) and config.checks (production checks)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import checks
from config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    validate_redis_url,
)

BASE = "/srv/ortak"


# --- DATABASE_URL ----------------------------------------------------------------------------


def test_sqlite_relative_path_is_under_the_base_directory() -> None:
    db = parse_database_url("sqlite:///var/ortak.sqlite3", BASE)
    assert db.is_sqlite
    assert db.name == "/srv/ortak/var/ortak.sqlite3"
    config = db.as_django()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/ortak/var/ortak.sqlite3"
    assert "HOST" not in config


def test_sqlite_absolute_path() -> None:
    assert parse_database_url("sqlite:////srv/data/x.db", BASE).name == "/srv/data/x.db"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:////"])
def test_sqlite_needs_a_path(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url, BASE)


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_url(scheme: str) -> None:
    db = parse_database_url(
        f"{scheme}://ortak:s%40cret@db.example:5433/ortak?sslmode=require", BASE
    )
    assert not db.is_sqlite
    config = db.as_django()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "ortak"
    assert config["USER"] == "ortak"
    assert config["PASSWORD"] == "s@cret"
    assert config["HOST"] == "db.example"
    assert config["PORT"] == "5433"
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_postgres_connections_are_not_kept_per_thread() -> None:
    # Each ASGI request runs on a thread of its own: kept connections would pile up.
    config = parse_database_url("postgres://u@h/db", BASE).as_django()
    assert config["CONN_MAX_AGE"] == 0


def test_postgres_without_password_or_port() -> None:
    config = parse_database_url("postgres://postgres@127.0.0.1/test", BASE).as_django()
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "postgres",
        "",
        "127.0.0.1",
        "",
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u@h:5432/",
        "postgres://u@h:5432",
        "postgres://u@h:notaport/db",
        "mysql://u@h/db",
        "redis://h/0",
        "ortak.sqlite3",
        "",
    ],
)
def test_bad_database_urls_fail_loudly(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url, BASE)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://h/1", "unix:///run/r.sock"])
def test_redis_urls(url: str) -> None:
    assert validate_redis_url(url) == url


@pytest.mark.parametrize("url", ["http://h", "127.0.0.1:6379", "postgres://h/db"])
def test_bad_redis_urls(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        validate_redis_url(url)


# --- Scalars ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("ORTAK_T", raw)
    assert env_bool("ORTAK_T", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORTAK_T", raising=False)
    assert env_bool("ORTAK_T", True) is True
    assert env_bool("ORTAK_T", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "yes please"])
def test_env_bool_refuses_other_values(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("ORTAK_T", raw)
    with pytest.raises(ImproperlyConfigured, match="ORTAK_T"):
        env_bool("ORTAK_T", False)


def test_env_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTAK_T", "25")
    assert env_int("ORTAK_T", 3, minimum=1) == 25
    monkeypatch.setenv("ORTAK_T", " 7 ")
    assert env_int("ORTAK_T", 3) == 7
    monkeypatch.setenv("ORTAK_T", "")
    assert env_int("ORTAK_T", 3) == 3
    monkeypatch.delenv("ORTAK_T")
    assert env_int("ORTAK_T", 3) == 3


@pytest.mark.parametrize("raw", ["ten", "1.5", "0x10", "1e3"])
def test_env_int_refuses_non_integers(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("ORTAK_T", raw)
    with pytest.raises(ImproperlyConfigured, match="ORTAK_T"):
        env_int("ORTAK_T", 3)


def test_env_int_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTAK_T", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("ORTAK_T", 3, minimum=1)
    assert env_int("ORTAK_T", 3, minimum=0) == 0


def test_env_list_and_str(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTAK_T", " a.example, ,b.example,")
    assert env_list("ORTAK_T", "x") == ["a.example", "b.example"]
    monkeypatch.delenv("ORTAK_T")
    assert env_list("ORTAK_T", "127.0.0.1,localhost") == ["127.0.0.1", "localhost"]
    assert env_str("ORTAK_T", "d") == "d"


# --- Production checks ---------------------------------------------------------------------

SQLITE = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"}}
GOOD_KEY = "k" * 50

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def ids(settings) -> set[str | None]:
    return {error.id for error in checks.production_settings()}


def production(settings, *, key=GOOD_KEY, databases=POSTGRES, layers=REDIS, embedded=False):
    settings.DEBUG = False
    settings.SECRET_KEY = key
    settings.DATABASES = databases
    settings.CHANNEL_LAYERS = layers
    settings.ORTAK_ALLOW_EMBEDDED = embedded


def test_a_proper_production_setup_passes(settings) -> None:
    production(settings)
    assert ids(settings) == set()


def test_the_development_key_is_refused(settings) -> None:
    production(settings, key=settings.DEVELOPMENT_SECRET_KEY)
    assert ids(settings) == {"ortak.E001"}


def test_a_short_key_is_refused(settings) -> None:
    production(settings, key="short-but-not-default")
    assert ids(settings) == {"ortak.E001"}


def test_sqlite_is_refused(settings) -> None:
    production(settings, databases=SQLITE)
    assert ids(settings) == {"ortak.E002"}


def test_the_in_memory_layer_is_refused(settings) -> None:
    production(settings, layers=MEMORY)
    assert ids(settings) == {"ortak.E003"}


def test_everything_wrong(settings) -> None:
    production(settings, key=settings.DEVELOPMENT_SECRET_KEY, databases=SQLITE, layers=MEMORY)
    assert ids(settings) == {"ortak.E001", "ortak.E002", "ortak.E003"}


def test_allow_embedded_leaves_only_the_key_check(settings) -> None:
    production(
        settings,
        key=settings.DEVELOPMENT_SECRET_KEY,
        databases=SQLITE,
        layers=MEMORY,
        embedded=True,
    )
    assert ids(settings) == {"ortak.E001"}
    settings.SECRET_KEY = GOOD_KEY
    assert ids(settings) == set()


def test_debug_turns_the_checks_off(settings) -> None:
    production(settings, key=settings.DEVELOPMENT_SECRET_KEY, databases=SQLITE, layers=MEMORY)
    settings.DEBUG = True
    assert ids(settings) == set()


def test_the_checks_are_registered() -> None:
    from django.core.checks.registry import registry

    assert checks.production_settings in registry.get_checks()
