"""`python -m infra.package [--product X]` (`make package`): build/<stage>/sam.json for each stage.

For one stage: put the stage's environment in os.environ, import the product, render the merge
fragment (infra/template.py) and each function's IAM policy file (infra/policy.py), run
`chalice package --stage <stage> --merge-template <fragment> build/<stage>/`, then apply
infra/fixups.py. Without --product every stage is built, each in its own interpreter (table names
are fixed when a product's models are imported).

Dependencies go to a Lambda layer (`automatic_layer` in .chalice/config.json): Chalice caches it in
.chalice/deployments/ keyed on requirements.txt alone, so only the first run (or a change of
requirements.txt) downloads wheels; later runs zip the app code only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from infra.stages import ROOT, apply_stage_environment, stage_names

BUILD = ROOT / "build"


def chalice_command() -> list[str]:
    script = Path(sys.executable).with_name("chalice")
    return [str(script)] if script.exists() else [sys.executable, "-m", "chalice.cli"]


CHALICE_CACHE = ROOT / ".chalice" / "deployments"


def drop_broken_cached_zips(folder: Path = CHALICE_CACHE) -> list[str]:
    """Chalice reuses a cached layer zip without reading it, so a package run killed while writing one left
    a truncated zip that every later build shipped (and the packaged-handler test failed on with BadZipFile).
    A zip whose central directory does not read is deleted, and Chalice builds it again."""
    dropped = []
    for archive in sorted(folder.glob("*.zip")):
        try:
            with zipfile.ZipFile(archive):
                pass
        except (zipfile.BadZipFile, OSError):
            archive.unlink(missing_ok=True)
            dropped.append(archive.name)
    return dropped


def prune_chalice_cache(keep: int = 2, folder: Path = CHALICE_CACHE) -> None:
    """Chalice keeps every zip it ever built in .chalice/deployments/; keep the newest few."""
    for pattern in ("appcode-*.zip", "managed-layer-*.zip"):
        zips = sorted(folder.glob(pattern), key=lambda path: path.stat().st_mtime, reverse=True)
        for old in zips[keep:]:
            old.unlink(missing_ok=True)


def build_stage(stage: str) -> Path:
    started = time.perf_counter()
    env = apply_stage_environment(stage)
    from chalicelib.core.app_factory import create_app
    from chalicelib.core.config import get_settings
    from chalicelib.core.consumers import consumers
    from chalicelib.core.resources import queues
    from infra.fixups import fix_log_group_names, keep_log_groups, point_sqs_events_at_queues, reference_parameters
    from infra.policy import write_policies
    from infra.template import PARAMETER_VARIABLES, queue_id, render

    app = create_app(env["CRM_PRODUCT"])
    product = app.crm_product
    settings = get_settings()
    changed = write_policies(stage, settings, app)
    if changed:
        print(f"[{stage}] wrote {', '.join(changed)} in .chalice/ (commit them)")
    BUILD.mkdir(exist_ok=True)
    fragment = BUILD / f"{stage}-infra.json"
    fragment.write_text(json.dumps(render(product, consumers(app)), indent=2, sort_keys=True) + "\n")
    out = BUILD / stage
    shutil.rmtree(out, ignore_errors=True)
    rendered = time.perf_counter()

    for name in drop_broken_cached_zips():
        print(f"[{stage}] dropped the unreadable cached {name} (an interrupted build); Chalice rebuilds it")
    child_env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    child_env.pop("AWS_ENDPOINT_URL", None)
    subprocess.run([*chalice_command(), "--project-dir", str(ROOT), "package", "--stage", stage,
                    "--merge-template", str(fragment), str(out)], check=True, cwd=ROOT, env=child_env)
    packaged = time.perf_counter()
    prune_chalice_cache()
    compiled = byte_compile(out)

    sam = out / "sam.json"
    template = json.loads(sam.read_text())
    point_sqs_events_at_queues(template, {q.name: queue_id(q) for q in queues(product)})
    fix_log_group_names(template)
    reference_parameters(template, PARAMETER_VARIABLES)
    keep_log_groups(template)
    sam.write_text(json.dumps(template, indent=2) + "\n")
    print(f"[{stage}] {sam.relative_to(ROOT)}: {len(template['Resources'])} resources; "
          f"render {rendered - started:.1f}s, chalice package {packaged - rendered:.1f}s, "
          f"{compiled} modules byte-compiled")
    return sam


def byte_compile(out: Path) -> int:
    """.pyc files into both zips (infra/bytecode.py says why), for the runtime the functions declare."""
    from infra.bytecode import add_bytecode, require_runtime

    template = json.loads((out / "sam.json").read_text())
    for runtime in {r["Properties"].get("Runtime") for r in template["Resources"].values()
                    if r["Type"] == "AWS::Serverless::Function"} - {None}:
        require_runtime(runtime)
    return add_bytecode(out / "deployment.zip", "/var/task") + add_bytecode(out / "layer-deployment.zip", "/opt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--product", help="the stage to build (stages are named after products)")
    args = parser.parse_args(argv)
    if args.product:
        build_stage(args.product)
        return 0
    for stage in stage_names():  # one interpreter per stage: settings are read at import time
        subprocess.run([sys.executable, "-m", "infra.package", "--product", stage], check=True, cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
