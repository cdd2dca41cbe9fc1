"""`campaign serve`: the API, the scheduler, the device pool and the executor in one process.

Lifecycle: load and check the campaign files, open the state file, start the pool (and the
simulated phones with ``--sim``), start the runner and apply the files, watch them for changes,
then serve HTTP until SIGTERM/SIGINT. On a signal uvicorn stops taking requests first, then the
runner stops running tasks at their next step and records them, so nothing is lost.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import socket
from pathlib import Path

from runner.cli.output import log_to_stderr
from runner.cli.phones import add_fault_argument, check_faults, phone_source
from runner.cli.status import add_state_argument
from runner.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 50809
TOKEN_ENV = "CAMPAIGN_API_TOKEN"
MIN_OPEN_TOKEN = 16  # characters: off loopback the token is all that guards the phones
log = logging.getLogger("runner.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATHS",
        help="campaign files or folders (default: workflows/ and inventory.yaml)",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 picks one)",
    )
    parser.add_argument(
        "--token",
        default=None,
        help=f"require 'Authorization: Bearer TOKEN' (default: ${TOKEN_ENV}); needed off loopback",
    )
    add_state_argument(parser)
    parser.add_argument(
        "--sim", action="store_true", help="run the inventory's phones as simulated phones"
    )
    add_fault_argument(parser)
    parser.add_argument(
        "--stop-removed",
        action="store_true",
        help="stop running tasks of campaigns that leave the files (default: they finish)",
    )
    parser.add_argument(
        "--media-root",
        action="append",
        type=Path,
        default=None,
        dest="media_roots",
        help="folder media paths in API requests may point into (repeatable; default: repo root)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        dest="allowed_hosts",
        metavar="NAME",
        help="a Host name the API answers to besides loopback names and the bound address "
        "(repeatable; '*' allows any); other names are refused against DNS rebinding",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        dest="cors_origins",
        metavar="ORIGIN",
        help="a web origin (e.g. http://localhost:3000) that may call the API from a browser "
        "(repeatable; default: none, CORS off and cross-origin writes refused)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.add_argument(
        "--executor",
        choices=["inline", "child"],
        default="inline",
        help="where the scripts run with a state file: in this process (inline, default) or in "
        "a `campaign worker` child process, so the API's interpreter only serves requests; "
        "with a postgresql:// state the hosts' workers run them",
    )


def check_bind(host: str, token: str | None) -> None:
    """Off loopback the API is a remote control for every phone: refuse it without a token
    long enough not to be guessed (``MIN_OPEN_TOKEN`` characters)."""
    if is_loopback(host):
        return
    if not token:
        raise UsageError(
            f"refusing to serve on {host} without a token: anyone who can reach it could drive "
            "the phones",
            hint=f"pass --token or set {TOKEN_ENV}, or bind to 127.0.0.1",
        )
    if len(token) < MIN_OPEN_TOKEN:
        raise UsageError(
            f"refusing to serve on {host} with a {len(token)}-character token: off loopback it "
            f"must have at least {MIN_OPEN_TOKEN} characters",
            hint='generate one: python3 -c "import secrets; print(secrets.token_urlsafe(24))"',
        )


def bare_host(host: str) -> str:
    """``[::1]`` -> ``::1``: the bracketed form people copy from URLs binds like the bare one."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def is_loopback(host: str) -> bool:
    host = bare_host(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def port_number(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535; argparse words the refusal as a usage error."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {port}")
    return port


def bind(host: str, port: int) -> socket.socket:
    """Bind and listen before anything else starts, so a busy port fails fast and clearly."""
    host = bare_host(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    from runner.api.server import tcp_socket

    sock = tcp_socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port"
        ) from None
    sock.listen(2048)
    return sock


def run(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_ENV) or None
    check_bind(args.host, token)
    check_faults(args)
    from runner.state.location import is_dsn, state_path

    if args.sim and is_dsn(state_path(args.state)):
        raise UsageError(
            "--sim runs phones for this process, and with a postgresql:// state this "
            "process runs no phone",
            hint="start `campaign sim up` and `campaign worker` on each host instead",
        )
    log_to_stderr(args.log_level)
    from runner.api.guard import default_allowed_hosts
    from runner.api.serving import Runtime
    from runner.campaign.media import MEDIA_ROOTS_ENV

    if args.media_roots:  # the scripts of this process confine media to the same folders
        extra = [os.environ.get(MEDIA_ROOTS_ENV, ""), *map(str, args.media_roots)]
        os.environ[MEDIA_ROOTS_ENV] = os.pathsep.join(p for p in extra if p)
    root = Path.cwd()
    # the port first: a busy one must fail before phones start or the files are applied
    sock = bind(args.host, args.port)
    try:
        runtime = Runtime.open(
            args.paths or None,
            root=root,
            state=args.state,
            phones=phone_source(args),
            stop_removed=args.stop_removed,
            executor=args.executor,
        )
    except BaseException:
        sock.close()
        raise
    if runtime is None:
        sock.close()
        return 1
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda s, f: received.append(s))
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        runtime.serve(
            sock,
            token=token,
            media_roots=args.media_roots,
            log_level=args.log_level,
            allowed_hosts=default_allowed_hosts(bare_host(args.host), args.allowed_hosts),
            cors_origins=args.cors_origins,
        )
    finally:
        runtime.close()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 130 if signal.SIGINT in received else 0
