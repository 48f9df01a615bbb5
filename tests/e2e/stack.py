"""Start the embedded stack (`python -m local.run`) as a subprocess for a test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STAGE = "e2e"
PRODUCT = "repaysync"
BUCKET = f"crm-{STAGE}-{PRODUCT}"
UPLOADS_QUEUE = f"{STAGE}-{PRODUCT}-uploads"

# Short timings: long poll 1 s, retry a failed message after 1 s, save every second.
TIMINGS = {"CRM_LOCAL_POLL_SECONDS": "1", "CRM_LOCAL_RETRY_SECONDS": "1", "CRM_LOCAL_SAVE_SECONDS": "1",
           "CRM_LOCAL_VISIBILITY_SECONDS": "30"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def clean_env(data_dir: Path) -> dict[str, str]:
    """The caller's environment without the unit tests' AWS/CRM settings, plus the stack's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CRM_", "COGNITO_"))}
    env.update(TIMINGS, CRM_DATA_DIR=str(data_dir), CRM_STAGE=STAGE, PYTHONUNBUFFERED="1")
    return env


def run_cli(data_dir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "local.run", *args], cwd=ROOT,
                          env=clean_env(data_dir), capture_output=True, text=True, timeout=timeout)


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and int(entry.name) != os.getpid():
                found.append(int(entry.name))
    return found


class Stack:
    def __init__(self, data_dir: Path, port: int | None = None, *extra: str, product: str = PRODUCT) -> None:
        self.data_dir = data_dir
        self.product = product
        self.port = port or free_port()
        self.extra = extra
        self.log_path = data_dir.parent / f"stack-{self.port}-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Stack:
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.run", "--product", self.product, "--port", str(self.port),
             *self.extra], cwd=ROOT, env=clean_env(self.data_dir), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the stack exited with {self.process.returncode}:\n{self.output()}")
            if (self.data_dir / "control.json").exists():
                try:
                    status, _ = self.request("GET", "/.well-known/jwks.json")
                    if status == 200:
                        return self
                except OSError:
                    pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the stack was not ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def control(self) -> dict[str, Any]:
        return json.loads((self.data_dir / "control.json").read_text())

    def stop(self, signum: int = signal.SIGINT, timeout: float = 30) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        for pid in processes_mentioning(f"--port {self.port}"):  # children of a killed supervisor
            os.kill(pid, signal.SIGKILL)
        if getattr(self, "log", None) is not None:
            self.log.close()

    # -- talking to it ----------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _decode(exc.read())

    def login(self, username: str = "admin", password: str = "admin12345") -> str:
        status, body = self.request("POST", "/api/auth/token/", {"username": username, "password": password})
        assert status == 200, (status, body)
        return body["access"]

    def aws(self, service: str) -> Any:
        """A boto3 client for the stack's moto (explicit endpoint: the unit tests' mock stays out)."""
        import boto3

        return boto3.session.Session().client(service, endpoint_url=self.control()["moto"], region_name="us-east-1",
                                              aws_access_key_id="local", aws_secret_access_key="local")


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def wait_for(predicate: Any, timeout: float, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
