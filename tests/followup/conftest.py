from tests.realtime.conftest import db_seq, personas, sockets  # noqa: F401  (fixtures)
