from tests.voting.conftest import present  # noqa: F401  (fixture)
