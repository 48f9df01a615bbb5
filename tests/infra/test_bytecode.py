"""The zips' byte-code is built by the packaging itself, whatever byte-code a local run left in the tree."""

from __future__ import annotations

import importlib.util
import py_compile
import sys
import zipfile


def test_byte_code_a_local_run_left_in_the_tree_is_replaced(tmp_path):
    from infra.bytecode import add_bytecode

    source = tmp_path / "mod.py"
    source.write_text("VALUE = 1\n")
    stale = tmp_path / "stale.pyc"
    py_compile.compile(str(source), cfile=str(stale))  # timestamp-based, as a local import writes it
    pyc = f"pkg/__pycache__/mod.{sys.implementation.cache_tag}.pyc"
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(source, "pkg/mod.py")
        bundle.write(stale, pyc)
    assert add_bytecode(archive, "/var/task") == 1
    with zipfile.ZipFile(archive) as bundle:
        assert sorted(bundle.namelist()) == [pyc, "pkg/mod.py"]
        header = bundle.read(pyc)[:8]
    assert header[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(header[4:8], "little") == 0b01


def test_a_truncated_cached_layer_zip_is_dropped_before_chalice_reuses_it(tmp_path):
    from infra.package import drop_broken_cached_zips

    whole = tmp_path / "managed-layer-whole.zip"
    with zipfile.ZipFile(whole, "w") as bundle:
        bundle.writestr("python/lib/python3.11/site-packages/mod.py", "VALUE = 1\n" * 1000)
    truncated = tmp_path / "managed-layer-cut.zip"
    truncated.write_bytes(whole.read_bytes()[:200])  # what a killed `chalice package` leaves

    assert drop_broken_cached_zips(tmp_path) == ["managed-layer-cut.zip"]
    assert whole.exists() and not truncated.exists()
