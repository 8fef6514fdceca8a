"""The machinery of the browser suite: the README's commands, `qualcode serve` in a
process of its own, and the recorder of the controls a user drives."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

QUALCODE = Path(sys.executable).with_name("qualcode")
# Another site on this machine's loopback (Chromium resolves it here): DNS rebinding.
REBOUND = "rebound.example"
# Reports every control a page shows, every control without a name, and every control
# a user drives (a real click, a select changed, a form sent), with who is coding
# (on the "Who is coding?" page: the name being chosen; on a team server's sign-in and
# invitation pages: the name signing in).
RECORDER = """
(() => {
  if (window.top !== window) return;
  const told = new Set();
  const tell = (kind, name) => {
    const choosing = document.querySelector(
      "[data-control=choose-coder] #name, [data-control=sign-in] #name, " +
      "[data-control=set-password] [name=username]");
    const who = choosing?.value || document.getElementById("coder-name")?.textContent || "";
    const key = `${kind} ${name} ${who}`;
    if (told.has(key)) return;
    told.add(key);
    window.qualcodeControl({ kind, name, who, path: location.pathname });
  };
  const CONTROLS = "form, button, select:not([name]), a.button, [data-control]";
  const scan = () => {
    for (const el of document.querySelectorAll(CONTROLS)) {
      if (el.dataset.control) tell("seen", el.dataset.control);
      else tell("unnamed", el.outerHTML.slice(0, 160));
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    if (!document.querySelector('meta[name="qualcode-csrf"]')) return;  // not the app's page
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  });
  const named = (el, selector) => (el instanceof Element ? el.closest(selector) : null);
  document.addEventListener("click", (event) => {
    const el = event.isTrusted && named(event.target, "button[data-control], a[data-control]");
    if (el) tell("driven", el.dataset.control);
  }, true);
  document.addEventListener("change", (event) => {  // Playwright's select_option is untrusted
    const el = named(event.target, "select[data-control]");
    if (el) tell("driven", el.dataset.control);
  }, true);
  document.addEventListener("submit", (event) => {
    if (event.target.dataset.control) tell("driven", event.target.dataset.control);
  }, true);
})();
"""



@dataclass
class Controls:
    """What the recorder reported over the whole run."""

    seen: set[str] = field(default_factory=set)
    unnamed: set[str] = field(default_factory=set)
    driven: dict[str, set[str]] = field(default_factory=dict)  # control -> who drove it

    def record(self, kind: str, name: str, who: str) -> None:
        if kind == "seen":
            self.seen.add(name)
        elif kind == "unnamed":
            self.unnamed.add(name)
        else:
            self.driven.setdefault(name, set()).add(who)


CONTROLS = Controls()


def qualcode(folder: Path, *args: str) -> str:
    """One command of the README, run by the real command line in ``folder``."""
    from click.testing import CliRunner

    from qualcode.cli import cli

    here = Path.cwd()
    os.chdir(folder)  # the README runs every command in the project folder
    try:
        result = CliRunner(env={"QUALCODE_CODER": None}).invoke(cli, list(args))
    finally:
        os.chdir(here)
    assert result.exit_code == 0, f"qualcode {' '.join(args)}:\n{result.output}"
    return result.output


@dataclass
class Server:
    """``qualcode serve`` running over a copy of the study."""

    url: str  # the address it printed, with its token
    base: str
    root: Path
    process: subprocess.Popen
    log: Path

    def stop(self) -> str:
        """Stop it; what it wrote to stderr."""
        self.process.terminate()
        self.process.communicate(timeout=20)
        return self.log.read_text(encoding="utf-8")


def serve(root: Path, *options: str) -> Server:
    """``qualcode serve OPTIONS`` started in ``root`` as a user starts it. The browser it
    opens is ``true`` (a no-op): the tests' Chromium opens the address instead."""
    env = {k: v for k, v in os.environ.items() if k != "QUALCODE_CODER"}
    env["BROWSER"] = "true"
    log = root / f"serve-{time.monotonic_ns()}.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [str(QUALCODE), "serve", *options], cwd=root, env=env, text=True,
            stdout=subprocess.PIPE, stderr=errors,
        )  # fmt: skip
    first = process.stdout.readline().strip()
    if not first:
        process.wait(timeout=20)
        said = log.read_text(encoding="utf-8")
        if not options and "cannot listen on 127.0.0.1:8765" in said:
            # Port 8765 is taken on this machine: the README's other line, any free port.
            return serve(root, "--port", "0")
        pytest.fail(f"qualcode serve {' '.join(options)} did not start:\n{said}")
    base = first.split("/?token=")[0]
    host, port = urlsplit(base).hostname, urlsplit(base).port  # a --public-url has a path
    deadline = time.monotonic() + 60
    while True:  # the socket is bound before the address is printed; wait for the app
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.1)
    return Server(first, base, root, process, log)


def copy_of(study: Path, into: Path) -> Path:
    root = into / "study"
    shutil.copytree(study, root, ignore=shutil.ignore_patterns("serve-*.log"))
    return root


