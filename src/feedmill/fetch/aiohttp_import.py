"""aiohttp, imported without the two TLS contexts it makes for itself.

At import, aiohttp makes a verifying and a non-verifying TLS context for the
requests that bring none of their own, and each loads the system's whole CA
bundle: ~0.08 s of the ~0.2 s its import takes, and a tenth of an unchanged
rerun of 1,000 feeds (all "not modified"), which is over plain http more often
than not.  feedmill's requests always bring their own context (`client._tls`:
certifi's bundle, loaded on the first https request), so aiohttp's two are
never used: they are made here without the system's bundle.  Were the
verifying one ever used by mistake, it would refuse every certificate, never
accept one (the other verifies none, bundle or not).
"""

from __future__ import annotations

import ssl
import sys
import threading
from types import ModuleType

_lock = threading.Lock()


def load_aiohttp() -> ModuleType:
    """aiohttp, imported the first time without loading the CA bundle.  Call
    it before ``import aiohttp`` wherever that import may be the process's
    first."""
    loaded = sys.modules.get("aiohttp")
    if loaded is not None:
        return loaded
    with _lock:
        if "aiohttp" in sys.modules:
            return sys.modules["aiohttp"]
        importer = threading.get_ident()
        inherited = ssl.SSLContext.set_default_verify_paths
        own = ssl.SSLContext.__dict__.get("set_default_verify_paths")  # (ssl's C base has it)

        def set_default_verify_paths(context: ssl.SSLContext) -> None:
            # Only aiohttp's import, on this thread, skips the bundle: another
            # thread's context made meanwhile loads it as it always does.
            if threading.get_ident() != importer:
                inherited(context)

        setattr(ssl.SSLContext, "set_default_verify_paths", set_default_verify_paths)  # noqa: B010
        try:
            import aiohttp
        finally:
            if own is None:
                delattr(ssl.SSLContext, "set_default_verify_paths")
            else:
                setattr(ssl.SSLContext, "set_default_verify_paths", own)  # noqa: B010
        return aiohttp
