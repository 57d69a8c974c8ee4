"""Shared by the start-up and memory benches: launch a program, time its first paint, measure its memory.

The time runs from just before the process is created to the moment it reports its first paint: the kiosk
and the floor print `painted` (`--exit-after-paint MS`, see ui/shell/first_paint.py and bench/floor.py);
Chromium's page reports its first contentful paint to a local HTTP server (bench/bench_chromium.py). The
memory is the sum over every process of the program's session (Chromium runs several), taken after the
program has been idle for IDLE_MS: resident set size (what `ps` shows; shared pages counted in each process)
and proportional set size (shared pages divided among the processes that map them).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import load

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
IDLE_MS = 1000
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Sample:
    paint_s: float  # wall clock from start to first paint
    cpu_s: float  # processor time the program's processes had used by then (less sensitive to a busy machine)
    rss_kb: int
    pss_kb: int
    processes: int
    ready_s: float = 0.0  # the kiosk: until the second half of its start-up is done (the floor: = paint_s)
    ready_cpu_s: float = 0.0  # processor time used by then (the floor: = cpu_s)


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, ValueError, IndexError):
        return 0


def cpu_seconds(sid: int) -> float:
    """Processor time used so far by the live processes of session `sid`."""
    return sum(_cpu_ticks(p) for p in session_pids(sid)) / os.sysconf("SC_CLK_TCK")


def session_pids(sid: int) -> list[int]:
    """Every live process whose session id is `sid` (the program was started in a new session)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # field 6 of stat: session id
            pids.append(int(entry))
    return pids


def memory_of(sid: int) -> tuple[int, int, int]:
    """(RSS KiB, PSS KiB, process count) summed over the session `sid`."""
    pids = session_pids(sid)
    return sum(_status_kb(p, "VmRSS:") for p in pids), sum(_pss_kb(p) for p in pids), len(pids)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the program and everything it started (its whole process group); the CPU time of its helpers,
    which init reaps, counts as the bench's own (bench/load.py)."""
    helpers = [pid for pid in session_pids(process.pid) if pid != process.pid]
    load.count_unwaited(sum(_cpu_ticks(pid) for pid in helpers) / os.sysconf("SC_CLK_TCK"))
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while (left := session_pids(process.pid)) and time.monotonic() < deadline:
        for pid in left:  # stragglers that left the group but not the session
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def measure(command: Sequence[str], env: Mapping[str, str],
            painted: Callable[[subprocess.Popen[bytes]], bool] | None = None, wait_ready: bool = False,
            cwd: Path = REPO) -> Sample:
    """Start `command`, wait for its first paint (and with `wait_ready` for its line `ready`), wait IDLE_MS
    more, sample its memory, end it.

    Without `painted`, the program's stdout must print a line `painted` on its first paint.
    """
    started = time.perf_counter()
    process = subprocess.Popen(list(command), env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               start_new_session=True, cwd=cwd)
    try:
        if painted is None:
            assert process.stdout is not None
            while True:
                line = process.stdout.readline()
                if not line:
                    raise RuntimeError(f"{command[0]} exited before its first paint (code {process.wait()})")
                if line.strip() == b"painted":
                    break
        elif not painted(process):
            raise RuntimeError(f"{command[0]} never reported a paint")
        paint_s = time.perf_counter() - started
        cpu_s = cpu_seconds(process.pid)
        ready_s, ready_cpu_s = paint_s, cpu_s
        if wait_ready:  # the kiosk goes on loading after its first paint: memory is sampled once that is done
            assert process.stdout is not None
            while (line := process.stdout.readline()) and line.strip() != b"ready":
                pass
            if not line:
                raise RuntimeError(f"{command[0]} exited before it was ready (code {process.wait()})")
            ready_s = time.perf_counter() - started
            ready_cpu_s = cpu_seconds(process.pid)
        time.sleep(IDLE_MS / 1000)
        rss, pss, count = memory_of(process.pid)
        return Sample(paint_s, cpu_s, rss, pss, count, ready_s, ready_cpu_s)
    finally:
        stop(process)


def repeat(runs: int, warmups: int, once: Callable[[], Sample]) -> list[Sample]:
    """`warmups` discarded runs (the page cache is then warm for every program alike), then `runs` kept."""
    for _ in range(warmups):
        once()
    return [once() for _ in range(runs)]


def medians(samples: list[Sample], prefix: str) -> dict[str, float]:
    return {
        f"{prefix}_first_paint_s": round(statistics.median(s.paint_s for s in samples), 4),
        f"{prefix}_first_paint_min_s": round(min(s.paint_s for s in samples), 4),
        f"{prefix}_cpu_to_first_paint_s": round(statistics.median(s.cpu_s for s in samples), 3),
        f"{prefix}_rss_mb": round(statistics.median(s.rss_kb for s in samples) / 1024, 1),
        f"{prefix}_pss_mb": round(statistics.median(s.pss_kb for s in samples) / 1024, 1),
        f"{prefix}_processes": statistics.median(s.processes for s in samples),
    }


def qt_env(data_dir: Path) -> dict[str, str]:
    """Environment for the kiosk and the floor: offscreen Qt, a private data dir and keyring."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK")}
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "KIOSK_DATA_DIR": str(data_dir / "data"),
        "KIOSK_KEYRING_DIR": str(data_dir / "keyring"),
        "PYTHON_KEYRING_BACKEND": "kiosk.keystore.LocalFileKeyring",
    })
    return env


def kiosk_command(idle_ms: int = IDLE_MS * 3) -> list[str]:
    """`kiosk run` as kiosks start it (deploy/kiosk.service runs the venv's `kiosk` script), in a window, with
    the diagnostic that reports its first paint and exits after `idle_ms` idle milliseconds."""
    script = Path(sys.executable).with_name("kiosk")
    probe = ["run", "--windowed", "--exit-after-paint", str(idle_ms)]
    if script.is_file():
        return [str(script), *probe]
    return [sys.executable, "-m", "kiosk", *probe]


def compile_bytecode(tree: Path = REPO) -> None:
    """Compile the kiosk's modules of `tree` as installing it does (pip writes .pyc files; deploy/install.sh
    installs the package), so no run pays for compiling source: a fresh clone has none, and where
    PYTHONDONTWRITEBYTECODE is set the kiosk's own imports would never write them."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "kiosk"), str(tree / "ui")],
                   check=True, stdout=subprocess.DEVNULL)


def floor_command(idle_ms: int = IDLE_MS * 3) -> list[str]:
    return [sys.executable, str(HERE / "floor.py"), "--exit-after-paint", str(idle_ms)]


def cache_trees() -> list[Path]:
    """The files a cold start reads: the venv and Python's standard library (the kiosk and the floor), the
    kiosk's sources and assets, Chromium's own directory (Debian's), and the system's shared libraries and
    fonts, which all three use."""
    trees = [Path(sys.prefix), Path(sys.base_prefix) / "lib", REPO / "kiosk", REPO / "ui", REPO / "assets",
             REPO / "config", HERE, Path("/usr/lib/chromium"), Path("/usr/share/fonts"),
             Path("/usr/lib/x86_64-linux-gnu")]
    return [tree for tree in dict.fromkeys(trees) if tree.is_dir()]


def evict_page_cache(trees: Sequence[Path]) -> int:
    """Ask the kernel to drop the cached pages of every file under `trees` (posix_fadvise DONTNEED: no root
    needed, unlike /proc/sys/vm/drop_caches). Pages that a running process has mapped stay (another
    program using the same shared library keeps it cached); clean pages of everything else go. Returns
    the number of files."""
    count = 0
    for tree in trees:
        for folder, _, names in os.walk(tree):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    count += 1
                except OSError:
                    pass
                finally:
                    os.close(fd)
    return count


def percentile(ordered: list[float], q: float) -> float:
    """The `q` quantile (0..1) of sorted samples, nearest rank."""
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_child(script: Path, work: Path, what: str) -> dict[str, list[float]]:
    """Run `script --child OUT` as the benches' measuring subprocess: offscreen, with a private data directory
    and keyring under `work` (`qt_env`) and the repository importable; the samples it wrote to OUT (JSON)."""
    out = work / f"{what}.json"
    env = qt_env(work)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run([sys.executable, str(script), "--child", str(out)], env=env, capture_output=True,
                          text=True, timeout=1800, check=False, cwd=REPO)
    if not out.exists():
        raise RuntimeError(f"the {what} bench failed (code {done.returncode}): {done.stderr[-2000:]}")
    samples: dict[str, list[float]] = json.loads(out.read_text("utf-8"))
    return samples
