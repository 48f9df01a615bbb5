"""RepaySync's rules, one module per aggregate (users, customers, loans, interactions, logs); no HTTP here.

`common` holds what they share (tables, roles, scoping, paging, counts). This package re-exports the
functions the routes, the auth store, the imports and the reports call, so callers name one place.
"""

from chalicelib.core.db.read import batch_get
from chalicelib.products.repaysync.roles import ADMIN, AGENT, MANAGER, OFFICER
from chalicelib.products.repaysync.services.common import (
    ACTIVE,
    CODE_ATTEMPTS,
    CUSTOMER_LOANS,
    LOAN_INTERACTIONS,
    PENDING,
    UPLOAD_ROLES,
    Counters,
    Guards,
    find,
    generated_code,
)
from chalicelib.products.repaysync.services.customers import (
    code_guard,
    create_customer,
    customer_fields,
    delete_customer,
    get_customer,
    list_customers,
    update_customer,
)
from chalicelib.products.repaysync.services.interactions import (
    create_interaction,
    delete_interaction,
    get_interaction,
    list_interactions,
    loan_exists,
    update_interaction,
)
from chalicelib.products.repaysync.services.loans import (
    create_loan,
    delete_loan,
    get_loan,
    list_customer_loans,
    list_loans,
    update_loan,
)
from chalicelib.products.repaysync.services.logs import list_logs
from chalicelib.products.repaysync.services.users import (
    approve_user,
    create_user,
    find_user,
    is_active,
    list_users,
    principal_of,
    register_user,
    reject_user,
    seed_admin,
)

__all__ = [
    "ACTIVE",
    "ADMIN",
    "AGENT",
    "CODE_ATTEMPTS",
    "CUSTOMER_LOANS",
    "LOAN_INTERACTIONS",
    "MANAGER",
    "OFFICER",
    "PENDING",
    "UPLOAD_ROLES",
    "Counters",
    "Guards",
    "approve_user",
    "batch_get",
    "code_guard",
    "create_customer",
    "create_interaction",
    "create_loan",
    "create_user",
    "customer_fields",
    "delete_customer",
    "delete_interaction",
    "delete_loan",
    "find",
    "find_user",
    "generated_code",
    "get_customer",
    "get_interaction",
    "get_loan",
    "is_active",
    "list_customer_loans",
    "list_customers",
    "list_interactions",
    "list_loans",
    "list_logs",
    "list_users",
    "loan_exists",
    "principal_of",
    "register_user",
    "reject_user",
    "seed_admin",
    "update_customer",
    "update_interaction",
    "update_loan",
]
