"""``python -m bench <scenario> [flags]``: run one scenario on Ortak and on the floor
(and, with ``--targets ortak,floor,stock``, on a stock Channels app doing the same job).
The fault scenarios S6 and S7 run on Ortak alone: no floor applies to them.
``python -m bench all [flags]`` runs S1-S5 one after the other at their stated sizes
and ends with one verdict (about 50 minutes).

Prints every server's figures, the ratios and the targets, the machine and the
exact command, and writes the whole result as JSON under ``var/bench/``.
``make bench SCENARIO="s3 --members 500"`` passes flags through.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
import threading
import time
import traceback
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

from bench import faults, scenarios
from bench import profile as profiling
from bench.scenarios import Options, Results, _fmt
from bench.servers import (
    ROOT,
    Target,
    floor_server,
    machine_info,
    new_workdir,
    ortak_server,
    private_redis,
    stock_server,
)

RUNNERS = {**scenarios.RUNNERS, **faults.RUNNERS}
COMPARE = {**scenarios.COMPARE, **faults.COMPARE}
DEFAULTS = {**scenarios.DEFAULTS, **faults.DEFAULTS}

LABELS = {"ortak": "Ortak", "floor": "floor", "stock": "stock"}
DJANGO_SERVERS = {"ortak": ortak_server, "stock": stock_server}

TITLES = {
    "s1": "S1 idle",
    "s2": "S2 join storm",
    "s3": "S3 vote storm",
    "s4": "S4 fan-out",
    "s5": "S5 mixed soak",
    "s6": "S6 Redis restart during the mixed soak",
    "s7": "S7 one of two processes killed",
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scenario",
        choices=sorted(RUNNERS),
        help="; ".join(f"{k}: {v}" for k, v in TITLES.items()),
    )
    parser.add_argument("--members", type=int, help="members (sockets); default per scenario")
    parser.add_argument("--rate", type=float, help="stances (or tally updates) per second")
    parser.add_argument("--seconds", type=float, help="duration of the measured phase")
    parser.add_argument(
        "--join-rate",
        type=float,
        help=(
            "S2: sockets opened per second (0: all at once; default 2000); other scenarios:"
            " open-loop join at this rate instead of the closed-loop set-up join"
        ),
    )
    parser.add_argument(
        "--join-concurrency",
        type=int,
        default=10,
        help="set-up join (S1, S3-S5): handshakes in flight at once",
    )
    parser.add_argument("--observers", type=int, default=200, help="S5: sockets that record")
    parser.add_argument(
        "--procs", type=int, help="Daphne processes (Redis fans out); default 1, S7 2"
    )
    parser.add_argument(
        "--down", type=float, default=2.0, help="S6: seconds Redis stays down (default 2)"
    )
    parser.add_argument("--backend", choices=("postgres", "embedded"), default="postgres")
    parser.add_argument(
        "--targets",
        help=(
            "comma list of ortak, floor, stock (stock Channels, the tutorial pattern);"
            " default ortak,floor, for S6 and S7 ortak"
        ),
    )
    parser.add_argument("--timeout", type=float, help="hard limit per server, seconds")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the Daphne processes (Ortak's, and stock's) with py-spy",
    )
    parser.add_argument("--out", type=Path, help="JSON result file (default under var/bench/)")
    return parser.parse_args(argv)


def options(args: argparse.Namespace) -> Options:
    d = DEFAULTS[args.scenario]
    seconds = float(args.seconds if args.seconds is not None else d["seconds"])
    join_rate = d["join_rate"] if args.join_rate is None else (args.join_rate or None)
    timeout = args.timeout or seconds + 900 + 0.25 * int(args.members or d["members"])
    return Options(
        scenario=args.scenario,
        members=int(args.members or d["members"]),
        rate=float(args.rate or d["rate"]),
        seconds=seconds,
        join_rate=join_rate,
        join_concurrency=args.join_concurrency,
        observers=args.observers,
        procs=args.procs or (2 if args.scenario == "s7" else 1),
        backend=args.backend,
        timeout=float(timeout),
        down=args.down,
    )


@contextlib.contextmanager
def server(name: str, opts: Options, workdir: Path) -> Iterator[Target]:
    if name == "floor":
        with floor_server(opts.members, workdir) as target:
            yield target
    elif name in DJANGO_SERVERS:
        with contextlib.ExitStack() as stack:
            extra: dict[str, str] = {}
            redis = None
            if opts.scenario == "s6":  # a Redis of its own, to stop: never the shared one
                redis = stack.enter_context(private_redis(workdir))
                extra["REDIS_URL"] = redis.url
            target = stack.enter_context(
                DJANGO_SERVERS[name](
                    opts.members,
                    workdir,
                    procs=opts.procs,
                    backend=opts.backend,
                    agenda=opts.scenario in {"s5", "s6"},
                    extra_env=extra,
                )
            )
            target.redis = redis
            yield target
    else:
        raise ValueError(f"unknown target {name!r}")


async def bounded(coro: Coroutine[Any, Any, dict[str, Any]], seconds: float) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        return await coro


def run_target(name: str, opts: Options, workdir: Path, profile: bool) -> dict[str, Any]:
    started = time.monotonic()
    profilers: list[tuple[Path, Any]] = []
    try:
        with server(name, opts, workdir) as target:
            print(f"[{name}] up on {target.ports} (setup {target.setup_seconds})", flush=True)
            if profile and name in DJANGO_SERVERS:

                def hook(start: bool, target: Target = target) -> None:
                    if start and not profilers:
                        for pid in target.pids:
                            out = workdir / f"profile-{name}-{pid}.txt"
                            profilers.append((out, profiling.start(pid, out)))
                    elif not start:
                        for _out, proc in profilers:
                            profiling.stop(proc)

                target.on_measure.append(hook)
            try:
                result = asyncio.run(bounded(RUNNERS[opts.scenario](target, opts), opts.timeout))
            finally:
                for _out, proc in profilers:
                    profiling.stop(proc)
            result["setup_seconds"] = target.setup_seconds
            result["server"] = {"ports": target.ports, "pids": target.pids}
            result["profiles"] = [str(out) for out, _ in profilers if out.exists()]
    except Exception as exc:
        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
    result["wall_seconds"] = time.monotonic() - started
    return result


def table(rows: list[dict[str, Any]], names: list[str] | None = None) -> str:
    """A Markdown table: a column per server that ran (in the order Ortak, floor,
    stock), the ratios between them, the target, and whether it is met (by Ortak;
    by stock Channels when Ortak did not run)."""
    ran = [n for n in ("ortak", "floor", "stock") if n in (names or ["ortak", "floor"])]
    columns: list[tuple[str, str, str]] = [(LABELS[n], n, "value") for n in ran]
    if "ortak" in ran and "floor" in ran:
        columns.append(("ratio" if "stock" not in ran else "Ortak/floor", "ratio", "ratio"))
    if "stock" in ran and "floor" in ran:
        columns.append(("stock/floor", "stock_ratio", "ratio"))
    if "stock" in ran and "ortak" in ran:
        columns.append(("Ortak/stock", "ortak_stock_ratio", "ratio"))
    met_key = "met" if "ortak" in ran or "stock" not in ran else "stock_met"
    met_label = "met" if met_key == "met" else "met (stock)"
    head = ["metric", *(c[0] for c in columns), "target", met_label]
    align = ["---", *("---:" for _ in columns), "---", "---"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for row in rows:
        cells = [row["metric"]]
        for _label, key, kind in columns:
            value = row.get(key)
            if kind == "ratio":
                cells.append(f"{value:.1f}×" if isinstance(value, int | float) else "–")
            else:
                cells.append(_fmt(value))
        cells.append(row["target"] or "")
        cells.append({True: "yes", False: "**no**", None: "–"}[row.get(met_key)])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _watchdog(seconds: float) -> threading.Timer:
    """Last resort if something blocks outside asyncio: SIGTERM ourselves (finally blocks
    run), then exit hard. Servers also die with us (parent-death signal)."""

    def fire() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(60)
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def _on_term(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


#: ``python -m bench all``: the scenarios of the issue's verdict, at their stated sizes.
ALL = ("s1", "s2", "s3", "s4", "s5")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["all"]:
        return run_all(argv[1:])
    code, _out = run(argv)
    return code


def run_all(rest: list[str]) -> int:
    """S1-S5 one after the other (flags are passed to each), then one verdict: which
    targets each met, and which it missed."""
    if any(a == "--out" or a.startswith("--out=") for a in rest):
        print("all: --out names one file; each scenario writes its own", file=sys.stderr)
        return 2
    verdict: list[tuple[str, list[dict[str, Any]], str | None]] = []
    code = 0
    for scenario in ALL:
        one, out = run([scenario, *rest])
        code = max(code, one)
        path = os.path.relpath(out["path"], ROOT) if out else None
        verdict.append((scenario, out["rows"] if out else [], path))
        print(flush=True)
    print("# Verdict: S1-S5")
    print()
    print("| scenario | targets met | missed | result |")
    print("|---|---|---|---|")
    for scenario, rows, path in verdict:
        judged = [r for r in rows if r.get("met") is not None]
        missed = [r["metric"] for r in judged if not r["met"]]
        met = sum(1 for r in judged if r["met"])
        print(
            f"| {TITLES[scenario]} | {met} of {len(judged)} | {', '.join(missed) or '–'}"
            f" | {path or 'no result'} |"
        )
    every = all(
        rows and all(r["met"] for r in rows if r.get("met") is not None) for _s, rows, _p in verdict
    )
    print()
    print("every target met" if every else "not every target met")
    return code


def run(argv: list[str]) -> tuple[int, dict[str, Any] | None]:
    """One scenario: its servers, its tables and its JSON file (exit code, result)."""
    args = parse(argv)
    opts = options(args)
    fault = opts.scenario in faults.ORTAK_ONLY
    given = args.targets or ("ortak" if fault else "ortak,floor")
    targets = [t.strip() for t in given.split(",") if t.strip()]
    unknown = sorted(set(targets) - set(LABELS))
    if unknown or not targets or len(set(targets)) != len(targets):
        print(
            f"--targets: give each of {', '.join(LABELS)} at most once (not {given!r})",
            file=sys.stderr,
        )
        return 2, None
    if fault and targets != ["ortak"]:
        print(
            f"{opts.scenario}: runs on Ortak alone (the floor has no Redis and one process)",
            file=sys.stderr,
        )
        return 2, None
    if opts.scenario == "s7" and opts.procs < 2:
        print("s7: needs --procs 2 or more", file=sys.stderr)
        return 2, None
    if opts.scenario == "s6" and opts.backend != "postgres":
        print("s6: needs --backend postgres (Redis between processes)", file=sys.stderr)
        return 2, None
    signal.signal(signal.SIGTERM, _on_term)
    watchdog = _watchdog(len(targets) * (opts.timeout + 900))
    try:
        return _run(args, opts, targets, argv)
    finally:
        watchdog.cancel()


def _run(
    args: argparse.Namespace, opts: Options, targets: list[str], argv: list[str]
) -> tuple[int, dict[str, Any]]:
    fault = opts.scenario in faults.ORTAK_ONLY
    command = "python -m bench " + shlex.join(argv)
    machine = machine_info()
    date = time.strftime("%Y-%m-%d %H:%M:%S %z")
    workdir = new_workdir()
    print(f"# {TITLES[opts.scenario]}  ({date})")
    print(f"command: (cd {ROOT} && .venv/bin/{command})")
    print(f"machine: {json.dumps(machine, ensure_ascii=False)}")
    print(f"options: {json.dumps(opts.__dict__)}", flush=True)
    if fault:
        print("floor: none applies (it has no Redis and one process); Ortak alone", flush=True)
    results: dict[str, Any] = {}
    for name in targets:
        results[name] = run_target(name, opts, workdir, args.profile)
        print(f"[{name}] done in {results[name]['wall_seconds']:.0f}s", flush=True)
    for fixture in workdir.glob("fixture-*.json"):  # session cookies: not kept
        fixture.unlink()
    rows: list[dict[str, Any]] = []
    ran = Results.of(results)
    if ran.present():
        rows = COMPARE[opts.scenario](ran)
    out: dict[str, Any] = {
        "scenario": opts.scenario,
        "title": TITLES[opts.scenario],
        "date": date,
        "command": command,
        "machine": machine,
        "options": opts.__dict__,
        "workdir": str(workdir),
        "rows": rows,
        "results": results,
    }
    path = (
        args.out
        or ROOT / "var" / "bench" / f"{opts.scenario}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    print()
    print(table(rows, targets) if rows else "no figures: " + json.dumps(results)[:2000])
    for name, result in results.items():
        if "error" in result:
            print(f"[{name}] ERROR: {result['error']}")
    for result in results.values():
        for profile in result.get("profiles", []):
            print()
            print(profiling.summarize(Path(profile)))
    print(f"\nresult: {path}")
    out["path"] = str(path)
    return (0 if all("error" not in r for r in results.values()) else 1), out
