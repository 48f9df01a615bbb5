"""Chalice entry point: serves the product named by CRM_PRODUCT (each stage sets it).

Lambda finds every function by a module-level name here: `app` for the API, and one name per
authorizer, event source and pure Lambda function of the product (see `lambda_entry_points`).
In Lambda, the DynamoDB client and the signing keys are made here, at init (`prewarm`).

The cyclic garbage collector is off while the app is built: the libraries and the app allocate ~90k
long-lived objects and free almost none (~800), yet each full collection on the way walks them all
(~25-40 ms; ~60 ms of a cold `import app` in all). What exists at the end is then frozen (`gc.freeze`),
so the collections of later requests skip it too.

pydantic looks for plugins the first time it builds a validator (the settings', here) by reading the entry
points of every installed distribution (~3 ms with the dev tools installed); this app uses none, so the
search is switched off (`PYDANTIC_DISABLE_PLUGINS`) unless the environment says otherwise.
"""

import gc
import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
gc.disable()
try:
    from chalicelib.core.app_factory import create_app, lambda_entry_points, prewarm

    app = create_app(os.environ.get("CRM_PRODUCT", "repaysync"))
    globals().update(lambda_entry_points(app))
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # in Lambda: clients and keys made once, at init
        prewarm(app, os.environ.get("_HANDLER"))
finally:
    gc.freeze()
    gc.enable()
