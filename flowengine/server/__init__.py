"""The HTTP side of flowengine: Node-RED's admin API, the comms websocket, admin auth, the routes
``http in`` / ``websocket-listener`` nodes serve, and the static editor.

``create_app(runtime, settings)`` builds the FastAPI app; ``serve(settings, flows_file)`` runs it
under uvicorn until SIGTERM/SIGINT; ``hash_password`` makes ``adminAuth`` password hashes.
"""

from .app import create_app as create_app
from .auth import hash_password as hash_password
from .http_nodes_router import HTTP_ROUTER_KEY as HTTP_ROUTER_KEY
from .http_nodes_router import HttpNodeRouter as HttpNodeRouter
from .serve import serve as serve

__all__ = ["HTTP_ROUTER_KEY", "HttpNodeRouter", "create_app", "hash_password", "serve"]
