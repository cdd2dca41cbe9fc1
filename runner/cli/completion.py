"""`campaign completion bash|zsh|fish`: the script that makes the shell complete `campaign`.

argcomplete does the work: the printed script calls `campaign` back with ``_ARGCOMPLETE`` set
at each Tab, and ``main`` then answers from the full parser (every subcommand's arguments)
instead of running anything. Install, e.g.:
``campaign completion bash > ~/.local/share/bash-completion/completions/campaign``,
``campaign completion zsh > "${fpath[1]}/_campaign"``,
``campaign completion fish > ~/.config/fish/completions/campaign.fish``.
"""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "fish")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to print the script for")


def run(args: argparse.Namespace) -> int:
    from argcomplete.shell_integration import shellcode

    print(shellcode(["campaign"], shell=args.shell), end="")
    return 0


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request and exit (argcomplete does not return here)."""
    import argcomplete

    argcomplete.autocomplete(parser)
