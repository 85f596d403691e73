"""`make serve`: a live preview. Watches budget_data/ and site_templates/, rebuilds docs_src/
on every change, and lets `mkdocs serve` (which watches docs_src/) reload the browser.

A build with errors leaves docs_src/ as it was (the pipeline writes all or nothing) and
prints the diagnostics; the preview keeps showing the last good site until the data is fixed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

DEBOUNCE_SECONDS = 0.3  # editors save in several steps (temp file, rename); build once


class _Rebuild(FileSystemEventHandler):
    def __init__(self, build) -> None:
        self.build = build
        self.timer: threading.Timer | None = None
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        name = os.path.basename(str(event.src_path))
        if name.startswith((".", "~$")) or name.endswith("~"):
            return  # editor swap files and Excel lock files
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(DEBOUNCE_SECONDS, self.build)
            self.timer.daemon = True
            self.timer.start()


def _build(root: Path, data: str, templates: str, out: str) -> None:
    # A child process, so that a template or data change is read afresh (no module caches).
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root), "--data", data,
                             "--templates", templates, "--out", out], cwd=root, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    state = "已重新生成" if result.returncode == 0 else "数据有错误，页面保持上一次的结果"
    print(f"[预览] {state}（{time.perf_counter() - started:.1f} 秒）", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.serve", description="本地预览：数据或模板改动后自动重新生成并刷新浏览器。")
    parser.add_argument("--root", default=".")
    parser.add_argument("--data", default="budget_data")
    parser.add_argument("--templates", default="site_templates")
    parser.add_argument("--out", default="docs_src")
    parser.add_argument("--dev-addr", default="127.0.0.1:8000", help="预览地址（默认 127.0.0.1:8000）")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()

    def build() -> None:
        _build(root, args.data, args.templates, args.out)

    build()
    observer = Observer()
    handler = _Rebuild(build)
    for folder in (args.data, args.templates):
        observer.schedule(handler, str(root / folder), recursive=True)
    observer.start()
    mkdocs = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dev-addr", args.dev_addr,
                               "--livereload", "-f", str(root / "mkdocs.yml")], cwd=root)
    try:
        return mkdocs.wait()
    except KeyboardInterrupt:
        mkdocs.terminate()
        return 0
    finally:
        observer.stop()
        observer.join(timeout=5)
        if mkdocs.poll() is None:
            mkdocs.terminate()
            mkdocs.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
