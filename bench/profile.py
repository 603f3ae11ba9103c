"""Sample a server with py-spy during a scenario, and summarise the samples.

py-spy is not a dependency of Ortak: install it in a virtualenv of its own
(``python3 -m venv var/prof && var/prof/bin/pip install py-spy``) and point
``BENCH_PYSPY`` at it, or have it on ``PATH``. ``python -m bench s2 --profile`` then writes
``profile-<pid>.txt`` (collapsed stacks, one line per stack) into the run's
folder and prints the hot spots; ``python -m bench.profile FILE`` summarises a
file again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = (str(ROOT / "var" / "prof" / "bin" / "py-spy"),)


def pyspy() -> str | None:
    explicit = os.environ.get("BENCH_PYSPY")
    if explicit:
        return explicit
    found = shutil.which("py-spy")
    if found:
        return found
    return next((c for c in CANDIDATES if Path(c).exists()), None)


def start(pid: int, out: Path, rate: int = 200) -> subprocess.Popen[bytes] | None:
    exe = pyspy()
    if exe is None:
        print("profile: py-spy not found (set BENCH_PYSPY)", file=sys.stderr)
        return None
    log = out.with_suffix(".log").open("wb")
    return subprocess.Popen(
        [exe, "record", "-p", str(pid), "-r", str(rate), "-f", "raw", "-o", str(out)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _short(frame: str) -> str:
    """``func (path/to/module.py:123)`` → ``func (module.py)``; drops the line number."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", f"{ROOT}/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def summarize(path: Path, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = [_short(x) for x in stack.split(";")]
            own[frames[-1]] += n
            for frame in set(frames):
                inclusive[frame] += n
    if not total:
        return f"{path}: no samples"
    lines = [f"{path.name}: {total} samples (non-idle threads)", "", "self time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines += ["", "inclusive time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    for arg in argv:
        print(summarize(Path(arg), top=40))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
