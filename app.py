"""Chalice entry point: serves the product named by CRM_PRODUCT (each stage sets it).

Lambda finds every function by a module-level name here: `app` for the API, and one name per
authorizer, event source and pure Lambda function of the product (see `lambda_entry_points`).
In Lambda, the DynamoDB client and the signing keys are made here, at init (`prewarm`).
"""

import os

from chalicelib.core.app_factory import create_app, lambda_entry_points, prewarm

app = create_app(os.environ.get("CRM_PRODUCT", "repaysync"))
globals().update(lambda_entry_points(app))
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # in Lambda: clients and keys made once, at init
    prewarm(app, os.environ.get("_HANDLER"))
