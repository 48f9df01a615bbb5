"""Chalice entry point: serves the product named by CRM_PRODUCT (each stage sets it).

Lambda finds every function by a module-level name here: `app` for the API, and one name per
authorizer, event source and pure Lambda function of the product (see `lambda_entry_points`).
"""

import os

from chalicelib.core.app_factory import create_app, lambda_entry_points

app = create_app(os.environ.get("CRM_PRODUCT", "repaysync"))
globals().update(lambda_entry_points(app))
