"""The permission catalogue, the built-in roles' rights and the menu: what the code knows about rights.

Roles are data (the roles table); permissions are the names routes check, so they are code: a role can
only be granted what some route checks. Ids of permissions and menu items are their place in these
tuples (append only, so an id never changes meaning).
"""

from __future__ import annotations

from dataclasses import field

from chalicelib.core.records import Record

SUPER_ADMIN, ADMIN, SALES_PERSON = "super_admin", "admin", "sales_person"
# Built-in roles and their fixed ids (the spec's example: role 2 is sales_person).
BUILTIN_IDS = {SUPER_ADMIN: 1, SALES_PERSON: 2, ADMIN: 3}


class Permission(Record, frozen=True):
    codename: str
    name: str

    @property
    def module(self) -> str:
        return self.codename.split(".", 1)[0]


def _crud(module: str, noun: str, *extra: tuple[str, str]) -> tuple[Permission, ...]:
    base = [Permission(f"{module}.view", f"View {noun}"), Permission(f"{module}.create", f"Create {noun}"),
            Permission(f"{module}.update", f"Change {noun}"), Permission(f"{module}.delete", f"Delete {noun}")]
    return (*base, *(Permission(f"{module}.{code}", text) for code, text in extra))


CATALOGUE: tuple[Permission, ...] = (
    Permission("dashboard.view", "View the dashboard"),
    *_crud("users", "users"),
    *_crud("roles", "roles", ("assign", "Assign a role to a user")),
    *_crud("prospects", "prospects", ("view_all", "See every sales person's prospects")),
    *_crud("customers", "customers", ("view_all", "See every sales person's customers"),
           ("export", "Export customers")),
    *_crud("bills", "bills", ("export", "Export bills")),
    # appended (ids are places in this tuple): imports, each a bulk create and change of its records
    Permission("customers.import", "Import customers from CSV or Excel"),
    Permission("bills.import", "Import bills from CSV or Excel"),
)
CODENAMES: tuple[str, ...] = tuple(p.codename for p in CATALOGUE)
ALL = frozenset(CODENAMES)

BUILTIN_RIGHTS: dict[str, frozenset[str]] = {
    SUPER_ADMIN: ALL,
    ADMIN: ALL,  # an admin differs from a super_admin in whom they may change (services.users)
    SALES_PERSON: frozenset({"prospects.view", "prospects.create", "prospects.update", "prospects.delete",
                             "customers.view", "customers.create", "customers.update"}),
}
BUILTIN_DESCRIPTIONS = {SUPER_ADMIN: "Everything, including other super admins",
                        ADMIN: "Everything except changing super admins",
                        SALES_PERSON: "Their own prospects and customers"}


class MenuItem(Record, frozen=True):
    """A menu entry: shown when the caller holds `permission`, or (a group, no permission of its own)
    when any of its children is shown."""

    id: int
    slug: str
    title: str
    path: str
    icon: str
    order: int
    permission: str | None = None
    children: tuple[MenuItem, ...] = field(default_factory=tuple)


MENU: tuple[MenuItem, ...] = (
    MenuItem(1, "dashboard", "Dashboard", "/dashboard", "dashboard", 1, "dashboard.view"),
    MenuItem(2, "sales", "Sales", "/sales", "trending_up", 2, children=(
        MenuItem(3, "prospects", "Prospects", "/sales/prospects", "person_search", 1, "prospects.view"),
        MenuItem(4, "customers", "Customers", "/sales/customers", "people", 2, "customers.view"),
        MenuItem(5, "customer-export", "Export customers", "/sales/customers/export", "download", 3,
                 "customers.export"),
        MenuItem(12, "customer-import", "Import customers", "/sales/customers/import", "upload", 4,
                 "customers.import"),
    )),
    MenuItem(6, "billing", "Billing", "/billing", "receipt", 3, children=(
        MenuItem(7, "bills", "Bills", "/billing/bills", "receipt_long", 1, "bills.view"),
        MenuItem(8, "bill-export", "Export bills", "/billing/export", "download", 2, "bills.export"),
        MenuItem(13, "bill-import", "Import bills", "/billing/import", "upload", 3, "bills.import"),
    )),
    MenuItem(9, "administration", "Administration", "/admin", "settings", 4, children=(
        MenuItem(10, "users", "Users", "/admin/users", "manage_accounts", 1, "users.view"),
        MenuItem(11, "roles", "Roles & permissions", "/admin/roles", "admin_panel_settings", 2, "roles.view"),
    )),
)


def visible_menu(rights: frozenset[str], items: tuple[MenuItem, ...] = MENU) -> list[MenuItem]:
    """The items `rights` allow, in order; a group is shown with its allowed children only, and
    not at all when none is allowed."""
    shown: list[MenuItem] = []
    for item in sorted(items, key=lambda entry: entry.order):
        children = tuple(visible_menu(rights, item.children)) if item.children else ()
        if item.children and not children:
            continue
        if item.permission is not None and item.permission not in rights:
            continue
        shown.append(MenuItem(item.id, item.slug, item.title, item.path, item.icon, item.order,
                              item.permission, children))
    return shown
