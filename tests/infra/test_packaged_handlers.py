"""`make package` output runs in Lambda: every function's Handler imports from the zips alone.

For each stage, build/<stage>/deployment.zip and layer-deployment.zip are unzipped into a temp dir
and a fresh interpreter (`python -I -S`, sys.path = the standard library, the app code and the
layer's site-packages; no venv) imports each function's `Handler` from sam.json with that
function's environment and checks it is callable. The build is reused when it is newer than every
source it is made from (`make test` builds it first), else rebuilt here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from infra.stages import ROOT, stage_names

SOURCES = ("app.py", "chalicelib", "infra", "requirements.txt", ".chalice/config.json")
LAYER_SITE = Path("python/lib/python3.11/site-packages")

PROBE = r"""
import importlib, json, sys
sys.path[:] = json.loads(sys.argv[1])
failures = {}
for function, handler in json.loads(sys.argv[2]).items():
    module_name, _, attribute = handler.rpartition(".")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except Exception as exc:  # report every function, not only the first that fails
        failures[function] = f"{handler}: {type(exc).__name__}: {exc}"
        continue
    if not callable(target):
        failures[function] = f"{handler}: {type(target).__name__} is not callable"
venv_modules = sorted(name for name, module in sys.modules.items()
                      if ".venv" in str(getattr(module, "__file__", "") or ""))
print(json.dumps({"failures": failures, "venv_modules": venv_modules}))
"""


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def built_stage(stage: str) -> Path:
    """build/<stage>/, rebuilt when missing or older than its sources."""
    out = ROOT / "build" / stage
    parts = [out / "sam.json", out / "deployment.zip", out / "layer-deployment.zip"]
    if not all(p.exists() for p in parts) or min(p.stat().st_mtime for p in parts) < _newest_source():
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        subprocess.run([sys.executable, "-m", "infra.package", "--product", stage], check=True, cwd=ROOT,
                       env=env, capture_output=True)
    return out


@pytest.mark.parametrize("stage", stage_names())
def test_every_function_finds_its_handler_in_the_packaged_zips(stage, tmp_path):
    out = built_stage(stage)
    with zipfile.ZipFile(out / "deployment.zip") as code:
        names = code.namelist()
        assert not [n for n in names if n.startswith(("local/", "tests/", "infra/", "bench/"))], \
            "the Lambda zip holds code Lambda never runs"
        code.extractall(tmp_path / "task")
    with zipfile.ZipFile(out / "layer-deployment.zip") as layer:
        layer.extractall(tmp_path / "opt")

    template = json.loads((out / "sam.json").read_text())
    functions = {name: r["Properties"] for name, r in template["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function"}
    assert {"APIHandler", "JwtAuthorizer"} <= set(functions)
    stdlib = sysconfig.get_paths()["stdlib"]
    path = [stdlib, os.path.join(stdlib, "lib-dynload"), str(tmp_path / "task"), str(tmp_path / "opt" / LAYER_SITE)]
    by_environment: dict[str, dict[str, str]] = {}  # one interpreter per distinct environment
    for name, props in functions.items():
        env = json.dumps(lambda_environment(props, template), sort_keys=True)
        by_environment.setdefault(env, {})[name] = props["Handler"]
    for env_json, handlers in by_environment.items():
        env = json.loads(env_json)
        # What Lambda sets, and an endpoint nobody answers: importing a handler must not call AWS.
        env.update({"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "LANG": "C.UTF-8",
                    "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"})
        result = subprocess.run([sys.executable, "-I", "-S", "-c", PROBE, json.dumps(path), json.dumps(handlers)],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert report["failures"] == {}, f"{stage}: {report['failures']}"
        assert report["venv_modules"] == []


def lambda_environment(props: dict, template: dict) -> dict[str, str]:
    """The function's variables as Lambda would see them, with stack parameters at their defaults."""
    env: dict[str, str] = {}
    for key, value in props["Environment"]["Variables"].items():
        env[key] = str(value) if not isinstance(value, dict) else resolve(value, template)
    return env


def resolve(value: dict, template: dict) -> str:
    """`{"Ref": Param}` -> the parameter's default (others as a placeholder a handler must not need)."""
    if "Ref" in value and value["Ref"] in template.get("Parameters", {}):
        return str(template["Parameters"][value["Ref"]].get("Default", ""))
    return "unresolved"


@pytest.mark.parametrize("stage", stage_names())
def test_the_layer_carries_only_the_phone_metadata_core_reads(stage):
    """phonenumberslite: libphonenumber's numbering metadata, without the geocoder and carrier data
    (about 20 MB unzipped) that core/phones.py never reads."""
    with zipfile.ZipFile(built_stage(stage) / "layer-deployment.zip") as layer:
        names = layer.namelist()
    package = f"{LAYER_SITE.as_posix()}/phonenumbers/"
    assert any(name.startswith(package + "data/") for name in names)
    assert not [name for name in names if name.startswith((package + "geodata/", package + "carrierdata/"))]


@pytest.mark.parametrize("stage", stage_names())
def test_every_module_in_the_zips_carries_byte_code_lambda_can_use(stage):
    """Lambda's /var/task and /opt are read-only: without .pyc files in the zips, every cold start compiles
    every module it imports. Each .py has a hash-based, unchecked .pyc of the functions' Python beside it."""
    out = built_stage(stage)
    runtimes = {r["Properties"]["Runtime"] for r in json.loads((out / "sam.json").read_text())["Resources"].values()
                if r["Type"] == "AWS::Serverless::Function"}
    assert runtimes == {f"python{sys.version_info.major}.{sys.version_info.minor}"}
    tag = sys.implementation.cache_tag
    for archive in ("deployment.zip", "layer-deployment.zip"):
        with zipfile.ZipFile(out / archive) as bundle:
            names = set(bundle.namelist())
            sources = [name for name in names if name.endswith(".py")]
            assert sources
            missing = []
            for source in sources:
                folder, slash, filename = source.rpartition("/")
                pyc = f"{folder}{slash}__pycache__/{filename[:-3]}.{tag}.pyc"
                if pyc not in names:
                    missing.append(source)
                    continue
                header = bundle.read(pyc)[:8]
                assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
                assert int.from_bytes(header[4:8], "little") == 0b01, f"{pyc}: not an unchecked hash-based pyc"
            assert missing == [], f"{archive}: {len(missing)} modules without byte-code, e.g. {missing[:3]}"


@pytest.mark.parametrize("stage", stage_names())
def test_no_offline_ocr_engine_in_the_lambda_package(stage):
    """rapidocr, onnxruntime, OpenCV, numpy and Pillow are the embedded stack's OCR (~420 MB, dev
    requirements only): Lambda reads passports with Textract; only pypdfium2 (PDF pages) is packaged."""
    out = built_stage(stage)
    names: list[str] = []
    for archive in ("deployment.zip", "layer-deployment.zip"):
        with zipfile.ZipFile(out / archive) as bundle:
            names += bundle.namelist()
    heavy = ("rapidocr", "onnxruntime", "cv2", "opencv", "numpy", "PIL", "pillow", "mrz")
    tops = {name.removeprefix(LAYER_SITE.as_posix() + "/").split("/", 1)[0].lower() for name in names}
    assert not [top for top in tops if top.startswith(tuple(h.lower() for h in heavy))]
    assert any(top == "pypdfium2_raw" for top in tops)
