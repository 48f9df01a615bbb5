"""Byte-code inside the Lambda zips.

Lambda mounts /var/task (the app zip) and /opt (the layer) read-only, and neither Chalice nor the wheels it
unpacks ship .pyc files, so every cold start compiled every module it imported from source (measured on the
repaysync stage: `import app` from the unzipped package ~1.0 s without byte-code, ~0.45 s with it). The .pyc
files are hash-based and unchecked (PEP 552): valid whatever timestamps the unzipping gives the sources, and
the same bytes on every build.
"""

from __future__ import annotations

import compileall
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path

INVALIDATION = py_compile.PycInvalidationMode.UNCHECKED_HASH


def require_runtime(runtime: str) -> None:
    """Byte-code is specific to a Python minor version: build with the interpreter Lambda runs."""
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != here:
        raise SystemExit(f"the functions run {runtime} but this build runs {here}: byte-code would not load; "
                         f"package with {runtime}")


def add_bytecode(archive: Path, mount: str) -> int:
    """Rewrite `archive` with a `__pycache__/<name>.cpython-3XX.pyc` beside each .py member; `mount` is where
    Lambda unpacks it (`/var/task` or `/opt`), written into the byte-code as the source path for tracebacks.
    .pyc files already in the archive are dropped first: Chalice zips chalicelib/ as it finds it, with whatever
    byte-code a local run left there (timestamp-based, or from another interpreter). Returns how many modules
    were compiled."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with zipfile.ZipFile(archive) as source:
            members = [(info, source.read(info)) for info in source.infolist() if not _is_bytecode(info.filename)]
            source.extractall(root, members=[info for info, _ in members])
        before = set(_files(root))
        if not compileall.compile_dir(root, quiet=1, ddir=mount, invalidation_mode=INVALIDATION):
            raise SystemExit(f"{archive}: some modules do not compile (see above)")
        compiled = sorted(set(_files(root)) - before)
        dated = {info.filename: info.date_time for info, _ in members}
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as target:
            for info, data in members:
                target.writestr(info, data)
            for name in compiled:
                info = zipfile.ZipInfo(name, date_time=dated.get(_source_of(name), (1980, 1, 1, 0, 0, 0)))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, (root / name).read_bytes())
    return len(compiled)


def _is_bytecode(name: str) -> bool:
    return name.endswith((".pyc", ".pyo")) or "__pycache__/" in name


def _files(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()]


def _source_of(pyc: str) -> str:
    """`pkg/__pycache__/mod.cpython-311.pyc` -> `pkg/mod.py`."""
    folder, _, filename = pyc.rpartition("/__pycache__/")
    module = filename.split(".", 1)[0]
    return f"{folder}/{module}.py" if folder else f"{module}.py"
