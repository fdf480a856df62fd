"""Runs a Python Pulumi program with the real CLI, for an engine without the Python language host.

The module proxy does not serve sdk/python/cmd/pulumi-language-python, so, like the Automation
API's inline programs, this process serves the program itself: the Python SDK's LanguageServer on
127.0.0.1 and the CLI started with `--client <address>`. The program is the project's `main`
(Pulumi.yaml; default __main__.py), run with runpy on every Run (a `pulumi up` runs it twice).
The project's sdks/.site (tools/pulumi-engine/packageAdd.ts installs package SDKs there, as
`pulumi package add` would into the project's environment) goes first on sys.path.

    python inline.py <pulumi CLI> <project folder> <CLI arguments...>
"""
import os
import runpy
import signal
import subprocess
import sys
from concurrent import futures

import grpc
import yaml
from pulumi.automation._server import LanguageServer
from pulumi.runtime.proto import language_pb2_grpc

# The Automation API's limit (a deployment's state can be large).
_GRPC_OPTIONS = [("grpc.max_receive_message_length", 1 << 30)]


def program_entry(project_dir: str) -> str:
    with open(os.path.join(project_dir, "Pulumi.yaml"), encoding="utf8") as f:
        project = yaml.safe_load(f) or {}
    main = project.get("main") or "."
    entry = os.path.join(project_dir, main)
    return os.path.join(entry, "__main__.py") if os.path.isdir(entry) else entry


def main(argv: list) -> int:
    cli, project_dir, args = argv[0], os.path.abspath(argv[1]), argv[2:]
    entry = program_entry(project_dir)
    site = os.path.join(project_dir, "sdks", ".site")
    if os.path.isdir(site):
        sys.path.insert(0, site)
    sys.path.insert(0, os.path.dirname(entry))

    def program() -> None:
        runpy.run_path(entry, run_name="__main__")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_OPTIONS)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(LanguageServer(program), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    child = subprocess.Popen([cli, *args, f"--client=127.0.0.1:{port}", "--exec-kind", "auto.inline"])
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: child.send_signal(s))
    code = child.wait()
    server.stop(0)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
