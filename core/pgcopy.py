"""Values in PostgreSQL's COPY text format (bulk loads of the seeder and the
import)."""


def copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, list):
        return "{" + ",".join(_array_item(v) for v in value) + "}"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _array_item(value: str) -> str:
    escaped = str(value).replace("\\", "\\\\\\\\").replace('"', '\\\\"')
    return '"' + escaped + '"'


def copy_row(values) -> str:
    return "\t".join(copy_value(v) for v in values) + "\n"
