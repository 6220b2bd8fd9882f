"""The plans of the statements a search runs (for the plan test and the bench).

``capture()`` explains every SELECT on the enterprise table as it runs, on the same
connection and in the same transaction (so with the same planner settings), just
before running it; with ``analyze``, timing it too (the statement then runs twice).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

from enterprises.search.sampling import TABLE, settings_prefix


@dataclass
class Plan:
    sql: str
    plan: dict
    ms: float = 0.0

    @property
    def nodes(self) -> list[dict]:
        out: list[dict] = []

        def walk(node: dict) -> None:
            out.append(node)
            for child in node.get("Plans", ()):
                walk(child)

        walk(self.plan["Plan"])
        return out

    @property
    def node_types(self) -> list[tuple[str, str]]:
        """(node type, relation) of every node of the plan."""
        return [
            (n.get("Node Type", ""), n.get("Relation Name", "")) for n in self.nodes
        ]

    @property
    def scans_table(self) -> bool:
        """Whether the search documents are read row by row: the enterprise table
        scanned sequentially; or, for a count, walked through another index (in id
        order: the plan a small LIMIT picks) with the text match as a filter on
        each row, which reads every document when few or none match. (A page may
        walk an index in its sort order on purpose, when thousands match.)"""
        counting = self.plan["Plan"].get("Node Type") == "Aggregate"
        return any(
            n.get("Relation Name") == TABLE
            and (
                n.get("Node Type") == "Seq Scan"
                or (
                    counting
                    and n.get("Node Type") in ("Index Scan", "Index Only Scan")
                    and "search_vector @@" in n.get("Filter", "")
                )
            )
            for n in self.nodes
        )

    def text(self) -> str:
        def walk(node: dict, depth: int) -> list[str]:
            line = "  " * depth + node.get("Node Type", "")
            if node.get("Relation Name"):
                line += f" on {node['Relation Name']}"
            if node.get("Index Name"):
                line += f" using {node['Index Name']}"
            if "Actual Total Time" in node:
                line += (
                    f" (rows={node.get('Actual Rows')} "
                    f"time={node['Actual Total Time']:.1f} ms)"
                )
            lines = [line]
            for child in node.get("Plans", ()):
                lines += walk(child, depth + 1)
            return lines

        return "\n".join(walk(self.plan["Plan"], 0))


@dataclass
class Captured:
    plans: list[Plan] = field(default_factory=list)


@contextmanager
def capture(*, analyze: bool = False):
    captured = Captured()
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"

    def explain(execute, sql, params, many, context):
        # The planner settings of index_only() outside a transaction travel in
        # the statement's query string: the plan is made with them.
        prefix, results = settings_prefix(context["connection"])
        statement = sql[len(prefix) :] if prefix and sql.startswith(prefix) else sql
        text = statement.lstrip()
        if not many and text.upper().startswith(("SELECT", "WITH")) and TABLE in sql:
            raw = context["cursor"].cursor
            raw.execute(f"{prefix}EXPLAIN ({options}) {statement}", params)
            for _result in range(results):
                raw.nextset()
            found = raw.fetchone()[0]
            found = json.loads(found) if isinstance(found, str) else found
            captured.plans.append(
                Plan(sql, found[0], float(found[0].get("Execution Time", 0.0)))
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        yield captured
