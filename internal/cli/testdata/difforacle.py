# Differential-test oracle for tunnelctl's JMESPath engine and output
# formatters (internal/cli/difftest). It answers one JSON request per line on
# stdin with one JSON line on stdout, so one process serves a whole run:
#
#   {"op": "search", "expr": E, "doc": JSON}
#       -> {"ok": true, "result": JSON} or {"ok": false, "class": C, ...}
#   {"op": "format", "output": "json|text|table", "command": NAME,
#    "doc": JSON, "query": E or null, "width": N, "color": "off|on"}
#       -> {"ok": B, "out": TEXT written before any error, "class": C, ...}
#
# JSON documents travel as JSON text so that key order and the int/float
# distinction survive. Error classes: syntax, arity, type,
# unknown_function, runtime (any other Python exception) and
# unserializable (a result json.dumps cannot encode, e.g. an expref), and
# excluded for results the comparison leaves out (see nonstring_keys).
import io
import json
import sys

PROTO = sys.stdout
# Formatters write to sys.stdout; it is swapped for a buffer per request.
sys.stdout = io.StringIO()

import jmespath  # noqa: E402
from jmespath import exceptions as jexc  # noqa: E402


def error_class(e):
    if isinstance(e, jexc.ArityError):
        return "arity"
    if isinstance(e, (jexc.ParseError, jexc.EmptyExpressionError)):
        return "syntax"
    if isinstance(e, jexc.JMESPathTypeError):
        return "type"
    if isinstance(e, jexc.UnknownFunctionError):
        return "unknown_function"
    return "runtime"


def failure(e, cls=None):
    return {"ok": False, "class": cls or error_class(e),
            "type": type(e).__name__, "msg": str(e)}


def nonstring_keys(v):
    """Whether v holds a dict with a key that is not a string, which only
    merge() with key/value pairs can make; tunnelctl's objects have string
    keys only, so such results are excluded from the comparison."""
    if isinstance(v, list):
        return any(nonstring_keys(x) for x in v)
    if isinstance(v, dict):
        return any(not isinstance(k, str) or nonstring_keys(x)
                   for k, x in v.items())
    return False


def search(req):
    try:
        result = jmespath.search(req["expr"], json.loads(req["doc"]))
    except Exception as e:  # every failure is an answer
        return failure(e)
    if nonstring_keys(result):
        return {"ok": False, "class": "excluded", "type": "",
                "msg": "a dict with a key that is not a string"}
    try:
        return {"ok": True, "result": json.dumps(result)}
    except (TypeError, ValueError) as e:
        return failure(e, "unserializable")


class Args:
    def __init__(self, query, color):
        self.query = query
        self.color = color


def run_format(req):
    query = None
    if req.get("query") is not None:
        try:
            query = jmespath.compile(req["query"])
        except Exception as e:
            return dict(failure(e), out="")
    from awscli import formatter  # only format requests need the AWS CLI
    import colorama
    buf = io.StringIO()
    sys.stdout = buf
    try:
        f = formatter.get_formatter(req["output"], Args(query, req["color"]))
        if req["output"] == "table":
            f.table._terminal_width = req["width"]
        f(req["command"], json.loads(req["doc"]))
        res = {"ok": True}
    except Exception as e:
        res = failure(e)
    finally:
        colorama.deinit()
        sys.stdout = io.StringIO()
    res["out"] = buf.getvalue()
    return res


def main():
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "search":
            res = search(req)
        else:
            res = run_format(req)
        PROTO.write(json.dumps(res) + "\n")
        PROTO.flush()


if __name__ == "__main__":
    main()
