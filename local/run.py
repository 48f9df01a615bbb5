"""`make run`: the embedded stack. `make schedule NAME=...`: fire a schedule now.

    python -m local.run [--product X] [--port N]
    python -m local.run --fire NAME [--product X]

One supervisor process hosts moto (ThreadedMotoServer on a free loopback port), saves and restores
its state under the data dir, logs SMS and answers a control endpoint. Products are served in the
same process when there is one to serve; with several, each runs in a child process (settings and
table names are per process, as in Lambda), all pointed at the same moto. See README.md here.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PORTS = {"repaysync": 8000, "leads": 8001, "vst": 8002, "revisbali": 8003, "isp": 8004}
HOST = "127.0.0.1"
_print_lock = threading.Lock()


def say(text: str) -> None:
    with _print_lock:
        print(f"[crm-local] {text}", flush=True)


def _int_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def data_dir() -> Path:
    return Path(os.environ.get("CRM_DATA_DIR") or ".data").resolve()


def available_products() -> list[str]:
    from chalicelib.core.app_factory import PRODUCTS

    return [slug for slug in PRODUCTS if importlib.util.find_spec(f"chalicelib.products.{slug}") is not None]


def point_at_emulation(endpoint: str) -> None:
    """The only switch between AWS and the emulation: set before any client or model is built."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_ACCESS_KEY_ID"] = "local"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "local"
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("CRM_STAGE", "local")
    os.environ.setdefault("CRM_OCR_ENGINE", "rapidocr")  # offline: moto has no Textract AnalyzeID
    os.environ.setdefault("CRM_CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def data_dir_lock(directory: Path) -> Iterator[None]:
    """One stack (or offline `--fire`) per data dir at a time."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"another stack is using {directory}; stop it first (or set CRM_DATA_DIR)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class StopSignal:
    """SIGINT/SIGTERM set an event the main thread waits on; a second one exits at once.

    A child ignores SIGINT (Ctrl-C reaches the whole process group) and stops on the supervisor's
    SIGTERM, so the supervisor alone decides the order of shutdown.
    """

    def __init__(self, child: bool = False) -> None:
        self.event = threading.Event()
        self.child = child

    def install(self) -> None:
        if self.child:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, self._handle)
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.child:
            self.event.set()
            return
        if self.event.is_set():
            say("second signal: exiting now without saving")
            os._exit(130)
        say(f"{signal.Signals(signum).name}: stopping (press Ctrl-C again to exit without saving)")
        self.event.set()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)


# -- the emulation, shared by `run` and offline `--fire` -------------------------------------------


class Emulation:
    def __init__(self, directory: Path) -> None:
        from local.emulator import Emulator
        from local.snapshot import Store

        self.store = Store(directory)
        self.emulator = Emulator(HOST, 0)
        self._saver: threading.Thread | None = None
        self._stop = threading.Event()
        self.sms: Any = None

    def start(self, autosave: bool) -> None:
        say(self.emulator.restore(self.store))
        endpoint = self.emulator.start()
        point_at_emulation(endpoint)
        say(f"moto     {endpoint} (AWS_ENDPOINT_URL)")
        from local.sms import SmsLog

        self.sms = SmsLog(say)
        self.sms.start()
        if autosave:
            self._saver = threading.Thread(target=self._autosave, name="autosave", daemon=True)
            self._saver.start()

    def _autosave(self) -> None:
        interval = _int_env("CRM_LOCAL_SAVE_SECONDS", 5)
        while not self._stop.wait(interval):
            try:
                self.emulator.save(self.store)
            except Exception:
                say(f"saving state failed:\n{traceback.format_exc().rstrip()}")

    def stop(self) -> None:
        self._stop.set()
        if self._saver is not None:
            self._saver.join(30)
        if self.sms is not None:
            self.sms.flush()
            self.sms.stop()
        try:
            self.emulator.save(self.store, force=True)
            say(f"state saved to {self.store.state_path}")
        except Exception:
            say(f"saving state failed:\n{traceback.format_exc().rstrip()}")
        self.emulator.stop()


# -- products: in this process or in a child -------------------------------------------------------


class Child:
    """A product served by a child process (`--child`), reached through its control endpoint."""

    def __init__(self, slug: str, port: int) -> None:
        self.slug = slug
        self.port = port
        self.control = f"http://{HOST}:{free_port()}"
        command = [sys.executable, "-m", "local.run", "--child", slug, "--port", str(port),
                   "--control-port", self.control.rsplit(":", 1)[1]]
        self.process = subprocess.Popen(command, env={**os.environ, "CRM_PRODUCT": slug})
        self.status: dict[str, Any] = {}

    def wait_ready(self, stop: StopSignal, timeout: float = 180.0) -> bool:
        from local import control

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop.event.is_set():
            if self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError, ValueError):
                code, body = control.call(self.control, "/status", timeout=2.0)
                if code == 200 and body.get("ready"):
                    self.status = body
                    return True
            stop.wait(0.2)
        return False

    def fire(self, name: str) -> tuple[int, dict[str, Any]]:
        from local import control

        return control.call(self.control, "/fire", {"name": name, "product": self.slug})

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            say(f"{self.slug} did not stop in {timeout:.0f}s: killing it")
            self.process.kill()
            self.process.wait()


class Dispatcher:
    """Routes `fire` to the product that has the schedule, in this process or in a child."""

    def __init__(self) -> None:
        self.hosts: dict[str, Any] = {}
        self.children: dict[str, Child] = {}

    def schedules(self) -> dict[str, list[str]]:
        found = {slug: host.schedule_names() for slug, host in self.hosts.items()}
        found.update({slug: child.status.get("schedules", {}).get(slug, []) for slug, child in self.children.items()})
        return found

    def status(self) -> dict[str, Any]:
        ports = {slug: host.http.port for slug, host in self.hosts.items() if host.http is not None}
        ports.update({slug: child.port for slug, child in self.children.items()})
        return {"ready": True, "pid": os.getpid(), "products": ports, "schedules": self.schedules()}

    def fire(self, name: str, product: str | None) -> tuple[int, dict[str, Any]]:
        schedules = self.schedules()
        if product is not None and product not in schedules:
            return 404, {"error": f"{product} is not served here (serving: {', '.join(schedules) or 'nothing'})"}
        owners = [slug for slug, names in schedules.items() if product in (None, slug) and name in names]
        if not owners:
            known = ", ".join(f"{slug}:{n}" for slug, names in schedules.items() for n in names) or "none"
            return 404, {"error": f"no schedule named {name!r} (known: {known})"}
        if len(owners) > 1:
            return 400, {"error": f"{name!r} exists in {', '.join(owners)}: say which with PRODUCT=..."}
        slug = owners[0]
        if slug in self.children:
            return self.children[slug].fire(name)
        try:
            result = self.hosts[slug].fire(name)
        except Exception as exc:
            return 500, {"error": f"{name} failed: {exc.__class__.__name__}: {exc}", "product": slug}
        return 200, {"ok": True, "product": slug, "schedule": name, "result": repr(result)[:2000]}


def _serve_here(slug: str, port: int, dispatcher: Dispatcher) -> None:
    from local.host import ProductHost

    host = ProductHost(slug, say)
    dispatcher.hosts[slug] = host
    host.build()
    try:
        host.serve(HOST, port)
    except OSError as exc:
        raise SystemExit(f"cannot serve {slug} on {HOST}:{port}: {exc.strerror or exc}") from None
    host.start_workers()


def _print_summary(dispatcher: Dispatcher, directory: Path) -> None:
    from local.host import ADMIN_USERNAME, admin_password

    for slug, host in dispatcher.hosts.items():
        for line in host.describe():
            say(f"{slug:<9} {line}")
    for slug, child in dispatcher.children.items():
        for line in child.status.get("describe", []):
            say(f"{slug:<9} {line}")
    if dispatcher.children:
        say(f"admin of each product: username {ADMIN_USERNAME!r} (VST: phone +919000000001; ISP: email "
            f"admin@example.com), "
            f"password {admin_password()!r}")
    say(f"data     {directory} (saved every few seconds and on exit; `make reset` wipes it)")
    say("ready: press Ctrl-C to stop")


def run(args: argparse.Namespace) -> int:
    from local import control

    directory = data_dir()
    products = [args.product] if args.product else available_products()
    if args.port and len(products) != 1:
        raise SystemExit("--port needs --product (one product per port)")
    if not products:
        raise SystemExit("no product package found under chalicelib/products/")
    if control.running_stack(directory):
        raise SystemExit(f"a stack is already running on {directory} (see {directory / control.CONTROL_FILE})")
    ports = {slug: args.port or PORTS[slug] for slug in products}
    isolate = args.isolate or len(products) > 1
    stop = StopSignal()
    stop.install()
    dispatcher = Dispatcher()
    with data_dir_lock(directory):
        say(f"data dir {directory}")
        emulation = Emulation(directory)
        emulation.start(autosave=True)
        control_server = None
        code = 0
        try:
            if isolate:
                for slug in products:
                    dispatcher.children[slug] = Child(slug, ports[slug])
                for slug, child in list(dispatcher.children.items()):
                    if not child.wait_ready(stop):
                        if stop.event.is_set():
                            break
                        say(f"{slug} did not start (exit code {child.process.poll()}): see its messages above")
                        child.stop(5)
                        del dispatcher.children[slug]
                if not dispatcher.children and not stop.event.is_set():
                    raise SystemExit("no product could be started")
            else:
                _serve_here(products[0], ports[products[0]], dispatcher)
            control_server = control.ControlServer(dispatcher.status, dispatcher.fire)
            control_server.start()
            control.write_info(directory, {"pid": os.getpid(), "control": control_server.url,
                                           "moto": emulation.emulator.endpoint, **dispatcher.status()})
            if not stop.event.is_set():
                _print_summary(dispatcher, directory)
            while not stop.wait(0.5):
                for slug, child in list(dispatcher.children.items()):
                    if child.process.poll() is not None:
                        say(f"{slug} exited unexpectedly (code {child.process.returncode}): stopping the stack")
                        code = 1
                        stop.event.set()
        except SystemExit as exc:
            say(str(exc.code))
            code = 1
        finally:
            say("stopping")
            if control_server is not None:
                control_server.stop()
            control.remove_info(directory)
            for host in dispatcher.hosts.values():
                host.stop_http()
            for host in dispatcher.hosts.values():
                host.stop_workers()
            for child in dispatcher.children.values():
                child.stop()
            emulation.stop()
            say("stopped")
    return code


def run_child(args: argparse.Namespace) -> int:
    """One product in a child process; the parent owns moto and already set AWS_ENDPOINT_URL."""
    from local import control
    from local.host import ProductHost

    stop = StopSignal(child=True)
    stop.install()
    parent = os.getppid()
    dispatcher = Dispatcher()
    host = ProductHost(args.child, say)
    dispatcher.hosts[args.child] = host
    host.build()
    host.serve(HOST, args.port)
    host.start_workers()

    def status() -> dict[str, Any]:
        return {**dispatcher.status(), "describe": host.describe()}

    control_server = control.ControlServer(status, dispatcher.fire, HOST, args.control_port)
    control_server.start()
    try:
        while not stop.wait(0.5):
            if os.getppid() != parent:  # the supervisor died without stopping us
                break
    finally:
        control_server.stop()
        host.stop_http()
        host.stop_workers()
    return 0


def schedule_owners(name: str, products: list[str]) -> list[str]:
    """The one product that declares schedule `name` (else SystemExit: say which product)."""
    from chalicelib.core.app_factory import load_product

    owners = [slug for slug in products if any(spec.name == name for spec in load_product(slug).schedules)]
    if len(owners) != 1:
        raise SystemExit(f"the stack is not running: say which product (PRODUCT=...; one of {', '.join(products)})")
    return owners


def fire(args: argparse.Namespace) -> int:
    from local import control

    directory = data_dir()
    info = control.running_stack(directory)
    if info is not None:
        code, body = control.call(info["control"], "/fire", {"name": args.fire, "product": args.product})
        say(f"{body.get('product', '')} {args.fire}: done" if code == 200 else body.get("error", f"HTTP {code}"))
        return 0 if code == 200 else 1
    products = [args.product] if args.product else available_products()
    say(f"the stack is not running: firing {args.fire} on the saved state in {directory}")
    with data_dir_lock(directory):
        emulation = Emulation(directory)
        emulation.start(autosave=False)
        dispatcher = Dispatcher()
        try:
            if len(products) != 1:
                products = schedule_owners(args.fire, products)
            from local.host import ProductHost

            host = ProductHost(products[0], say)
            dispatcher.hosts[products[0]] = host
            host.build()
            code, body = dispatcher.fire(args.fire, products[0])
            if code != 200:
                say(body["error"])
        finally:
            emulation.stop()
    return 0 if code == 200 else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.run", description=__doc__.split("\n")[0])
    parser.add_argument("--product", choices=sorted(PORTS), help="serve (or fire in) one product only")
    parser.add_argument("--port", type=int, help="port for --product (default: the product's own)")
    parser.add_argument("--fire", metavar="NAME", help="run schedule NAME now and exit")
    parser.add_argument("--isolate", action="store_true", help="serve products in child processes even if one")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--control-port", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.child:
            return run_child(args)
        if args.fire:
            return fire(args)
        return run(args)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            say(exc.code)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
