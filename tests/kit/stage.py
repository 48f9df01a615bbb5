"""A product's stage in the in-process moto: created once per test run, then restored for each test.

Creating a stage (ten tables, a bucket, queues, the signing key) costs ~0.1 s and seeding a world a few
tenths more, while restoring a pickled copy of moto's state costs ~5 ms. So the first test that needs a
stage (or a seeded world) builds it and keeps a snapshot; every later test starts from that snapshot,
as fresh as if it had been built for it. The snapshot is moto's own state (local/snapshot.py, the same
code that makes the embedded stack's data survive a restart).
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable
from typing import Any

from chalice import Chalice

_snapshots: dict[Any, bytes] = {}


def restore(aws_mock: Any, key: Any, build: Callable[[], None]) -> None:
    """Leave moto holding exactly the state `build` makes: built on an empty moto the first time (and
    then kept under `key`), restored from that snapshot afterwards."""
    from chalicelib.core.audit import forget_marked_days
    from local import snapshot

    aws_mock.reset()
    forget_marked_days()  # the audit trail's day markers went with the tables
    if key in _snapshots:
        snapshot.install(pickle.loads(_snapshots[key]))
        return
    build()
    _snapshots[key] = snapshot.dumps(snapshot.capture())


def bootstrap(app: Chalice) -> None:
    """What a deployed stage of the app's product holds before its first request: its tables, bucket
    and queues, and its signing key (the run's one key: generating one costs up to 0.5 s)."""
    from chalicelib.core.config import using_settings
    from chalicelib.core.db.tables import ensure_tables
    from local.resources import create_buckets_and_queues

    product = app.crm_product
    with using_settings(product.settings):
        ensure_tables(product.models)
        create_buckets_and_queues(product)
        install_signing_key()


def fresh_stage(aws_mock: Any, app: Chalice) -> None:
    """The app's product on a stage that has just been deployed (nothing but its bootstrap)."""
    restore(aws_mock, ("stage", app.crm_product.slug, id(app)), lambda: bootstrap(app))
    forget_other_keys()


def forget_other_keys() -> None:
    """Make the process's key ring read the stage's secret again unless it holds just the run's key (an
    earlier test may have rotated keys or installed others); parsing a PEM costs ~60 ms."""
    from chalicelib.core.auth.keys import keyring

    if keyring._loaded != [session_signing_key()]:
        keyring.forget()


def install_signing_key() -> None:
    """Store the run's key as the current stage's signing secret, as a deployed stage would have it."""
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import secret_string
    from chalicelib.core.config import get_settings

    key = session_signing_key()
    aws.secrets().create_secret(Name=get_settings().signing_key_secret, SecretString=secret_string([key]))
    forget_other_keys()


@functools.cache
def session_signing_key() -> Any:
    """One RSA key per test run: generating one per test costs up to half a second."""
    from chalicelib.core.auth.keys import generate_key

    return generate_key()
