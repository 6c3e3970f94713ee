"""The HTTP side of flowengine: Node-RED's admin API, the comms websocket, admin auth, the routes
``http in`` / ``websocket-listener`` nodes serve, and the static editor.

``create_app(runtime, settings)`` builds the FastAPI app; ``serve(settings, flows_file)`` runs it
under uvicorn until SIGTERM/SIGINT; ``hash_password`` makes ``adminAuth`` password hashes.
"""

from .fastapi_import import import_fastapi
from .uvicorn_import import import_uvicorn

import_fastapi()  # before any module below imports them: see fastapi_import, uvicorn_import
import_uvicorn()

from .app import create_app as create_app  # noqa: E402
from .auth import hash_password as hash_password  # noqa: E402
from .http_nodes_router import HTTP_ROUTER_KEY as HTTP_ROUTER_KEY  # noqa: E402
from .http_nodes_router import HttpNodeRouter as HttpNodeRouter  # noqa: E402
from .serve import serve as serve  # noqa: E402

__all__ = ["HTTP_ROUTER_KEY", "HttpNodeRouter", "create_app", "hash_password", "serve"]
