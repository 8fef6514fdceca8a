"""``qualcode serve``: the web app on this machine, behind a token printed at start; or,
with ``--team``, a team server where people sign in with accounts (``qualcode user``)."""

from __future__ import annotations

import socket
import threading
import webbrowser
from collections.abc import Callable
from typing import Any

import click

from ..errors import QualcodeError
from ..project import Project
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


def team_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of a team server (`serve --team`)."""
    options = [
        click.option("--team", is_flag=True, help="A team server: people sign in with "
                     "accounts (`qualcode user add`); may listen beyond this machine."),
        click.option("--public-url", metavar="URL", help="The address people open (such as "
                     "https://qual.example.org), for invitation links; its host is the "
                     "only Host answered, with --allow-host names [default: http://HOST:PORT]."),
        click.option("--trusted-user-header", metavar="HEADER", help="Sign in whoever this "
                     "header of the reverse proxy names (single sign-on), e.g. X-Remote-User."),
        click.option("--root-path", default="", metavar="PATH", help="The path a reverse "
                     "proxy serves the app under, such as /qualcode (the proxy takes it off; "
                     "every link and redirect puts it back)."),
        click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
                     metavar="IPS", help="Proxies whose X-Forwarded-For/-Proto are believed."),
        click.option("--https", is_flag=True, help="Send cookies over TLS only (Secure), "
                     "when a proxy ends TLS without saying so."),
        click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
                     help="Server processes (a team server on PostgreSQL: 2 on 2 cores)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _team_start(
    project: Project, settings: WebSettings, public_url: str | None,
    allow_hosts: tuple[str, ...], root_path: str,
) -> str:  # fmt: skip
    """Fix the public names and address of a team server; store the address for links."""
    from urllib.parse import urlsplit

    from ..accounts.users import URL_KEY, has_accounts
    from ..models import Setting

    if public_url is None:  # serve refused a wildcard address without it
        public_url = f"http://{settings.host}:{settings.port}{root_path}"
    name = urlsplit(public_url).hostname
    if not name:
        raise QualcodeError(f"--public-url {public_url!r} is not an address: https://NAME/...")
    settings.allowed_hosts = [name, *allow_hosts]
    settings.https = settings.https or public_url.startswith("https://")
    with project.transaction() as session:
        session.merge(Setting(key=URL_KEY, value=public_url.rstrip("/")))
        ready = has_accounts(session)
    if not ready:
        click.echo(
            "warning: nobody can sign in yet: `qualcode user add NAME --role lead` prints an "
            "invitation link", err=True,
        )  # fmt: skip
    return public_url


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
@team_options
@pass_context
def serve(
    obj: CommandContext, host: str, port: int, coder: str | None, allow_hosts: tuple[str, ...],
    no_browser: bool, team: bool, public_url: str | None, trusted_user_header: str | None,
    root_path: str, forwarded_allow_ips: str, https: bool, workers: int,
) -> None:  # fmt: skip
    """Start the web app and print its address.

    Read transcripts, code them and pull quotes in a browser. With --team, a server for
    a team: people sign in with accounts (`qualcode user add NAME --role coder`), blind
    coding keeps coders out of each other's work, and it may listen beyond this machine.
    """
    import uvicorn

    from ..web import create_app
    from ..web.app import calm_garbage_collector, import_spacy_now
    from ..web.security import host_names

    if host not in LOOPBACK and not team:
        raise QualcodeError(
            f"--host {host} would let other machines reach this project with one shared "
            "token: start a team server instead (`qualcode serve --team`, where people "
            "sign in), or keep the default --host 127.0.0.1"
        )
    if team and public_url is None and host in ("0.0.0.0", "::", ""):
        raise QualcodeError(
            f"--team on {host}: say the address people open with --public-url "
            "(such as https://qual.example.org), so that only requests for it are answered"
        )
    project = obj.open()
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    settings = WebSettings(
        token=new_token(), coder=coder or obj.viewer, host=host, port=port,
        allowed_hosts=host_names(host, allow_hosts), team=team,
        trusted_user_header=trusted_user_header, https=https,
    )  # fmt: skip
    if team:
        url = _team_start(project, settings, public_url, allow_hosts, root_path)
    else:
        url = settings.url()
    click.echo(url)
    who = f" as {settings.coder}" if settings.coder and not team else ""
    where = f" to the team on {host}:{port}" if team else ""
    click.echo(f"qualcode: serving {project.root}{who}{where}; press Ctrl+C to stop", err=True)
    if not no_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    options = {
        "log_level": "warning", "access_log": False, "root_path": root_path,
        "proxy_headers": team, "forwarded_allow_ips": forwarded_allow_ips,
        "timeout_graceful_shutdown": 5,  # live streams would otherwise hold a stop forever
    }  # fmt: skip
    if workers > 1:
        _run_workers(project, settings, workers, sock, options)
        return
    server = uvicorn.Server(uvicorn.Config(create_app(project, settings), **options))
    import_spacy_now()
    calm_garbage_collector()
    try:
        server.run(sockets=[sock])
    finally:
        project.close()


def _run_workers(
    project: Project, settings: WebSettings, workers: int, sock: socket.socket,
    options: dict[str, Any],
) -> None:  # fmt: skip
    """Several server processes on one socket, each with its own app over the same
    database (uvicorn's supervisor; each worker builds its app from the environment)."""
    import json
    import os
    from dataclasses import asdict

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from ..web.app import SETTINGS_ENV

    shared = {**asdict(settings), "template_dirs": [str(d) for d in settings.template_dirs]}
    os.environ[SETTINGS_ENV] = json.dumps({"root": str(project.root), "db": project.url,
                                           "settings": shared})  # fmt: skip
    project.close()
    config = uvicorn.Config("qualcode.web.app:from_environment", factory=True,
                            workers=workers, **options)  # fmt: skip
    Multiprocess(config, sockets=[sock]).run()
