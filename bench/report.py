"""Where a benchmark's figures go: raw JSON and a Markdown snippet in bench/results/, with the machine."""

import datetime as dt
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"


def machine() -> dict:
    """Cores, memory and software, read from this machine."""
    with open("/proc/meminfo") as f:
        mem_kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    versions = {}
    for package in ("Flask", "SQLAlchemy", "psycopg", "gunicorn", "celery", "redis", "requests"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024**2, 1),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
    }


def machine_line(info: dict) -> str:
    return f"{info['cores']} cores, {info['memory_gib']} GiB, {info['cpu']}, Python {info['python']}"


def write_results(name: str, data: dict, markdown: str) -> tuple[Path, Path]:
    """Save `data` (with the machine and the command) and `markdown`; return both paths."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    data = {"benchmark": name, "date": dt.date.today().isoformat(), "command": command_line(),
            "machine": machine(), **data}
    json_path = RESULTS_DIR / f"{name}-{stamp}.json"
    md_path = RESULTS_DIR / f"{name}-{stamp}.md"
    json_path.write_text(json.dumps(data, indent=2, default=str))
    md_path.write_text(markdown)
    return json_path, md_path


def command_line() -> str:
    module = Path(sys.argv[0]).stem
    return " ".join(["python -m bench." + module, *sys.argv[1:]])


def percentile(values: list[float], share: float) -> float:
    """The `share` (0–1) percentile by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def progress(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)
