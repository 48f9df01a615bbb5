"""`make fuzz`: schemathesis against every product of the running embedded stack, as an admin.

    python -m local.fuzz [--product X] [--max-examples N] [--seed S] [--max-time SECONDS]

It reads `<data dir>/control.json` of the stack `make run` started (CRM_DATA_DIR, default `.data`),
signs in each product's seeded admin (CRM_ADMIN_PASSWORD, default `admin12345`) and runs
`schemathesis run` on the product's own `/openapi.json` with every check, using the settings in
`schemathesis.toml` at the repository root. The exit code is 0 only when no product had a failure.

Fuzzing writes data (customers, users, pending registrations): run it on a throw-away data dir, or
`make reset` afterwards. The access token travels in the environment, never on a command line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from local.control import running_stack
from local.host import ADMIN_USERNAME, admin_password
from local.run import data_dir

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "schemathesis.toml"


# How each product's seeded admin signs in (login path, identity fields) and an admin-only GET that
# proves a saved token still works; the others are RepaySync's.
LOGINS: dict[str, tuple[str, dict[str, str], str]] = {
    "repaysync": ("/api/auth/token/", {"username": ADMIN_USERNAME}, "/api/users/?page_size=1"),
    "vst": ("/api/auth/login/", {"phone": "+919000000001"}, "/api/auth/admin/users/?page_size=1"),
    "isp": ("/api/auth/login/", {"email": "admin@example.com"}, "/api/users/?page_size=1"),
    "leads": ("/login/", {"username": ADMIN_USERNAME}, "/users/?page_size=1"),
    "revisbali": ("/api/token/", {"username": "admin@revisbali.example.com"}, "/api/customers/?pageSize=1"),
}


def admin_token(base_url: str, password: str, slug: str = "repaysync") -> str:
    """Sign in the seeded admin; a 429 (someone fuzzed the login) is waited out once."""
    path, identity, _ = LOGINS.get(slug, LOGINS["repaysync"])
    body = json.dumps({**identity, "password": password}).encode()
    for _attempt in range(2):
        request = urllib.request.Request(f"{base_url}{path}", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.loads(response.read())
                return str(answer.get("access") or answer["token"])  # RevisBali names its access token `token`
        except urllib.error.HTTPError as exc:
            retry = exc.headers.get("Retry-After")
            if exc.code != 429 or not retry or int(retry) > 120:
                raise SystemExit(f"admin login at {base_url} failed: {exc.code} {exc.read()[:200]!r}") from exc
            time.sleep(int(retry))
    raise SystemExit(f"admin login at {base_url} kept answering 429")


def schemathesis_command(base_url: str, args: argparse.Namespace, report: Path) -> list[str]:
    """Every check runs: schemathesis enables them all unless told otherwise. No `--checks all`: it would
    override the one per-operation exception schemathesis.toml states, with its reason (a command-line
    option outranks the file)."""
    command = [str(Path(sys.executable).with_name("schemathesis")), "--no-color", "--config-file", str(CONFIG),
               "run", f"{base_url}/openapi.json", "--max-examples", str(args.max_examples),
               "--report", "json", "--report-json-path", str(report), "--workers", str(args.workers)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    if args.phases:
        command += ["--phases", args.phases]
    return command


def reusable_token(path: Path, base_url: str, slug: str = "repaysync") -> str | None:
    """The token an earlier run saved, while it still has 15 minutes to live and still works.

    Fuzzing the login route may lock the admin out of this address for a while (that is the
    lockout working); a saved token lets the next run start anyway."""
    import jwt

    try:
        token = path.read_text().strip()
        expires = int(jwt.decode(token, options={"verify_signature": False})["exp"])
    except (OSError, ValueError, KeyError, jwt.PyJWTError):
        return None
    if expires < time.time() + 15 * 60:
        return None
    request = urllib.request.Request(f"{base_url}{LOGINS.get(slug, LOGINS['repaysync'])[2]}",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30):
            return token
    except (urllib.error.URLError, OSError):
        return None


def fuzz_product(slug: str, port: int, args: argparse.Namespace) -> int:
    base_url = f"http://127.0.0.1:{port}"
    saved = args.report_dir / f"{slug}.token"
    token = reusable_token(saved, base_url, slug) or admin_token(base_url, args.password, slug)
    saved.write_text(token)
    saved.chmod(0o600)
    report = args.report_dir / f"{slug}.json"
    env = {**os.environ, "CRM_FUZZ_TOKEN": token}
    print(f"[fuzz] {slug} at {base_url}: up to {args.max_examples} examples per operation", flush=True)
    started = time.monotonic()
    code = subprocess.run(schemathesis_command(base_url, args, report), env=env, cwd=ROOT).returncode
    print(f"[fuzz] {slug}: exit {code} in {time.monotonic() - started:.0f}s (report {report})", flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--product", help="only this product (default: every product the stack serves)")
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("CRM_FUZZ_EXAMPLES", "50")))
    parser.add_argument("--max-time", type=int, default=0, help="seconds per product (0: no limit)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--phases", default="", help="e.g. examples,fuzzing,stateful (default: all, "
                        "coverage included: about 4 minutes for RepaySync)")
    parser.add_argument("--workers", type=int, default=1)  # several threads trip a CPython 3.11 AST bug in schemathesis
    parser.add_argument("--password", default=admin_password())
    parser.add_argument("--report-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = data_dir()
    stack = running_stack(folder)
    if stack is None:
        print(f"no running stack on {folder}: start one with `make run` first", file=sys.stderr)
        return 2
    products: dict[str, int] = dict(stack.get("products", {}))
    if args.product:
        if args.product not in products:
            print(f"the stack does not serve {args.product} (it serves {', '.join(products)})", file=sys.stderr)
            return 2
        products = {args.product: products[args.product]}
    args.report_dir = args.report_dir or folder / "fuzz"
    args.report_dir.mkdir(parents=True, exist_ok=True)
    failed = [slug for slug, port in sorted(products.items()) if fuzz_product(slug, port, args) != 0]
    if failed:
        print(f"[fuzz] failures in: {', '.join(failed)}", flush=True)
        return 1
    print(f"[fuzz] no failures in {', '.join(sorted(products))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
