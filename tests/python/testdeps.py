"""The Python modules a test script needs, imported, or a loud exit.

A missing module is never a pass: require() says which one is missing and
exits 1 under CI (CI set, and not "", "0", "false" or "no"), else 77, which
ctest counts as skipped (SKIP_RETURN_CODE 77) outside CI.
"""

import importlib
import os
import sys


def in_ci():
    """Whether the environment says this is a CI run."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(*names):
    """The modules `names`, imported, in order."""
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError as e:
            ci = in_ci()
            print(f"{os.path.basename(sys.argv[0])}: nothing checked: {name} is not installed for "
                  f"{sys.executable} ({e}); apt-get install python3-{name}. "
                  + ("CI is set: this is a failure (exit 1)." if ci else
                     "Exit 77 (a failure under CI=true)."), flush=True)
            sys.exit(1 if ci else 77)
    return modules
