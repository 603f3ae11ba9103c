"""Broadcast frames: framed once by the hub, written by :class:`realtime.server.Wire`."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from realtime.hub import text_frame
from realtime.server import Wire, _lazy_pformat


def parse(data: bytes) -> Frame:
    """Parse one frame with the websockets library, as a browser's side would read it."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
        assert reader.at_eof()  # exactly one frame, nothing left over
        return frame
    raise AssertionError("incomplete frame")


@given(st.text(max_size=300))
def test_a_frame_carries_the_text(text: str) -> None:
    frame = parse(text_frame(text))
    assert (frame.opcode, frame.fin, frame.rsv1) == (Opcode.TEXT, True, False)
    assert bytes(frame.data).decode("utf-8") == text


def test_every_length_encoding() -> None:
    # 7-bit, 16-bit and 64-bit lengths, at their edges; "ş" is two bytes in UTF-8.
    for size in (0, 125, 126, 65535, 65536, 70000):
        text = "a" * size
        assert parse(text_frame(text)).data == text.encode()
    assert parse(text_frame("ş" * 63)).data == ("ş" * 63).encode()


class FakeTransport:
    def __init__(self, accepts: int | None = None) -> None:
        self.connected = True
        self.disconnecting = False
        self.dataBuffer = b""
        self.offset = 0
        self._tempDataBuffer: list[bytes] = []
        self.socket = object()
        self.accepts = accepts
        self.sent: list[bytes] = []

    def writeSomeData(self, data: bytes) -> int:
        n = len(data) if self.accepts is None else min(self.accepts, len(data))
        self.sent.append(bytes(data[:n]))
        return n

    def write(self, data: bytes) -> None:
        self._tempDataBuffer.append(data)


class FakeProtocol:
    STATE_OPEN = 1

    def __init__(self, transport: FakeTransport) -> None:
        self.state = self.STATE_OPEN
        self.transport = transport
        self.send_queue: list[Any] = []


def test_an_idle_socket_gets_the_frame_at_once() -> None:
    transport = FakeTransport()
    assert Wire.usable(FakeProtocol(transport))
    assert Wire(FakeProtocol(transport)).send(b"frame")
    assert transport.sent == [b"frame"] and transport._tempDataBuffer == []


def test_the_rest_of_a_partial_write_waits_in_order() -> None:
    transport = FakeTransport(accepts=2)
    Wire(FakeProtocol(transport)).send(b"abcdef")
    assert transport.sent == [b"ab"]
    assert transport._tempDataBuffer == [b"cdef"]


def test_a_socket_with_bytes_waiting_queues_behind_them() -> None:
    transport = FakeTransport()
    transport._tempDataBuffer.append(b"earlier reply")
    wire = Wire(FakeProtocol(transport))
    wire.send(b"frame")
    assert transport.sent == []  # nothing may overtake what waits
    assert transport._tempDataBuffer == [b"earlier reply", b"frame"]
    transport._tempDataBuffer.clear()
    transport.dataBuffer, transport.offset = b"half-written", 4
    wire.send(b"next")
    assert transport.sent == [] and transport._tempDataBuffer == [b"next"]


def test_a_closing_socket_gets_nothing() -> None:
    transport = FakeTransport()
    protocol = FakeProtocol(transport)
    protocol.state = 3
    assert not Wire(protocol).send(b"frame")
    assert transport.sent == [] and transport._tempDataBuffer == []
    protocol.state = protocol.STATE_OPEN
    transport.disconnecting = True
    assert not Wire(protocol).send(b"frame")


def test_a_tls_transport_has_no_wire() -> None:
    class TLS:
        def write(self, data: bytes) -> None: ...

    protocol = FakeProtocol(FakeTransport())
    protocol.transport = TLS()  # type: ignore[assignment]
    assert not Wire.usable(protocol)


def test_debug_text_is_built_only_when_written() -> None:
    class Loud:
        def __repr__(self) -> str:
            raise AssertionError("formatted too early")

    lazy = _lazy_pformat([("option", Loud())])  # nothing is formatted yet
    assert "\n{attrs}".format(attrs=_lazy_pformat({"a": 1})) == "\n{'a': 1}"
    assert lazy is not None
