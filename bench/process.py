"""Server subprocesses: start on a free port, wait until ready, always terminate."""
from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """The harness cannot go on (a server did not start, a command failed)."""


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def child_env() -> dict[str, str]:
    """The environment of child processes: ``bench`` importable, hashing fixed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONHASHSEED"] = "0"
    env.pop("HELPDESK_CONFIG", None)
    return env


def script(name: str) -> str:
    """A console script installed beside this interpreter (the venv's ``helpdesk``)."""
    candidate = Path(sys.executable).parent / name
    if not candidate.exists():
        raise BenchError(f"no {name} script beside {sys.executable}: run `make install`")
    return str(candidate)


def run_command(args: Sequence[str], *, cwd: Path, input: str | None = None) -> str:
    """Run a command to completion; its output, or :class:`BenchError` with that output."""
    done = subprocess.run(list(args), cwd=cwd, env=child_env(), input=input, text=True,
                          capture_output=True, timeout=300)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout}{done.stderr}")
    return done.stdout


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Terminate ``process`` (and its process group), then kill it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait()


@contextlib.contextmanager
def serving(
    command_for_port: Callable[[int], Sequence[str]],
    *,
    cwd: Path,
    log_path: Path,
    ready_path: str = "/readyz",
    startup_timeout: float = 60.0,
    attempts: int = 3,
) -> Iterator[int]:
    """Run the server ``command_for_port(port)`` on a free port; yield the port once it answers.

    The server runs in its own process group, so that Ctrl-C reaches only the
    harness, which terminates it on the way out, whatever happened.
    """
    for attempt in range(1, attempts + 1):
        port = free_port()
        with open(log_path, "ab") as log:
            process = subprocess.Popen(list(command_for_port(port)), cwd=cwd, env=child_env(),
                                       stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + startup_timeout
            while process.poll() is None and not _answers(port, ready_path):
                if time.monotonic() > deadline:
                    raise BenchError(f"server did not answer within {startup_timeout:.0f}s:\n"
                                     f"{_tail(log_path)}")
                time.sleep(0.1)
            if process.poll() is None:
                yield port
                return
            output = _tail(log_path)
            if "in use" not in output or attempt == attempts:
                raise BenchError(f"server exited with {process.returncode}:\n{output}")
        finally:
            stop(process)
