# Runs many AWS CLI v1 invocations in one Python process, through the same
# entry point the installed `aws` script calls (awscli.clidriver.main), so
# the parity tests pay Python's start-up and botocore's imports once.
#
# stdin:  JSON list of {"args": [...], "env": {...}, "cwd": "..."}
# stdout: JSON list of {"stdout": str, "stderr": str, "code": int}
import io
import json
import logging
import os
import sys
import traceback

import awscli.clidriver

REAL_STDOUT = sys.stdout
# Importing awscli points AWS_DATA_PATH at its data directory; keep that.
DATA_PATH = os.environ['AWS_DATA_PATH']


def run(case):
    os.environ.clear()
    os.environ.update(case["env"])
    os.environ['AWS_DATA_PATH'] = DATA_PATH
    if os.environ.get('LC_CTYPE', '') == 'UTF-8':
        os.environ['LC_CTYPE'] = 'en_US.UTF-8'
    os.chdir(case["cwd"])
    for name in ('botocore', 'awscli', 's3transfer', 'urllib3'):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)
    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding='utf-8', errors='strict', write_through=True)
    err = io.TextIOWrapper(err_b, encoding='utf-8', errors='replace', write_through=True)
    sys.stdout, sys.stderr = out, err
    sys.argv = ['aws'] + case["args"]
    try:
        code = awscli.clidriver.main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        sys.stdout, sys.stderr = REAL_STDOUT, sys.__stderr__
    return {"stdout": out_b.getvalue().decode('utf-8', 'replace'),
            "stderr": err_b.getvalue().decode('utf-8', 'replace'),
            "code": code if code is not None else 0}


def main():
    cases = json.load(sys.stdin)
    results = [run(c) for c in cases]
    json.dump(results, REAL_STDOUT)


if __name__ == '__main__':
    main()
