"""The API tests' pytest hooks."""
from __future__ import annotations


def pytest_collection_modifyitems(items):
    """Give each schemathesis test (one per operation) its own node id.

    schemathesis names each item `test[GET /path]`, but pytest 9 builds node ids from the function
    and its parametrization only, so every operation's item gets the same id; pytest-xdist then runs
    the first one once per operation and the others never. The operation goes into the id's params.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "_id", None)
        if label and node_id is not None and getattr(node_id, "params", "") is None:
            item._id = node_id.with_params(label)
