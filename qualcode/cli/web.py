"""``qualcode serve``: the web app on this machine, behind a token printed at start."""

from __future__ import annotations

import socket
import threading
import webbrowser

import click

from ..errors import QualcodeError
from ..web.settings import LOOPBACK, WebSettings, new_token
from ._base import CommandContext, cli, pass_context


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so that the printed address is the real one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise QualcodeError(
            f"cannot listen on {host}:{port} ({error.strerror}): choose another --port "
            "(or --port 0 for any free one)"
        ) from None
    return sock


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
    help="Port to listen on (0: any free port).",
)  # fmt: skip
@click.option(
    "--coder", envvar="QUALCODE_CODER", help="Code as NAME [env QUALCODE_CODER]; else the "
    "first page asks.",
)  # fmt: skip
@click.option(
    "--allow-host", "allow_hosts", multiple=True, metavar="NAME",
    help="Also answer requests for this host name (repeatable); localhost and this "
    "machine's names are answered already.",
)  # fmt: skip
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@pass_context
def serve(
    obj: CommandContext, host: str, port: int, coder: str | None, allow_hosts: tuple[str, ...],
    no_browser: bool,
) -> None:  # fmt: skip
    """Start the web app and print its address.

    Read transcripts, code them and pull quotes in a browser.
    """
    import uvicorn

    from ..web import create_app
    from ..web.app import calm_garbage_collector
    from ..web.security import host_names

    project = obj.open()
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    settings = WebSettings(
        token=new_token(), coder=coder or obj.viewer, host=host, port=port,
        allowed_hosts=host_names(host, allow_hosts),
    )  # fmt: skip
    url = settings.url()
    click.echo(url)
    who = f" as {settings.coder}" if settings.coder else ""
    click.echo(f"qualcode: serving {project.root}{who}; press Ctrl+C to stop", err=True)
    if host not in LOOPBACK:
        click.echo(
            f"warning: listening on {host}: anyone who can reach it and has the token can "
            "read and change this project. It answers for the host names "
            f"{', '.join(settings.allowed_hosts)} and this machine's addresses "
            "(--allow-host NAME for another)",
            err=True,
        )
    if not no_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    server = uvicorn.Server(
        uvicorn.Config(create_app(project, settings), log_level="warning", access_log=False)
    )
    calm_garbage_collector()
    try:
        server.run(sockets=[sock])
    finally:
        project.close()
