"""How long `cogcheck lsp` takes to diagnose a change: a 1,000-line template and a 50-file Terraform module.

Run from a checkout with the lsp and test extras: ``python bench/lsp.py`` (``--changes N``, default 60; ``--quick``:
20). A real client (pygls's, over stdio, :mod:`tests.lsp_session`) opens the document, then sends changes one at a
time, each waiting for its diagnostics: the latency is from the change sent to its diagnostics received, less the
server's debounce (the time it waits for the next keystroke), so it is the time the check itself costs the user
once typing pauses. The 95th percentile and the median are printed, with the debounce, the server's CPU time per
change (from /proc: what the latency would come to on an idle core), the client's (pygls's client decodes every
diagnostic: it shares the machine's two cores with the server) and the load average (the machine may be shared: on a
busy machine the wall times grow with the load, the CPU times much less). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cogcheck.lsp.server import DEBOUNCE  # noqa: E402
from tests.lsp_session import session  # noqa: E402

CLIENT_YAML = """\
  Client{n}:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
      ClientName: client-{n}
      GenerateSecret: false
      AccessTokenValidity: {hours}
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [code]
      AllowedOAuthScopes: [openid, email]
      CallbackURLs: ["https://app{n}.example.org/cb"]
"""

CLIENT_TF = """\
resource "aws_cognito_user_pool_client" "c{n}" {{
  name                                 = "client-{n}"
  user_pool_id                         = aws_cognito_user_pool.pool.id
  access_token_validity                = {hours}
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  callback_urls                        = ["https://app{n}.example.org/cb"]
}}
"""


def template(lines: int, hours: int) -> str:
    head = "Resources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n"
    count = (lines - 3) // CLIENT_YAML.count("\n")
    return head + "".join(CLIENT_YAML.format(n=n, hours=hours if n == 0 else 1) for n in range(count))


def module(directory: Path, files: int) -> Path:
    (directory / "pool.tf").write_text('resource "aws_cognito_user_pool" "pool" {\n  name = "p"\n}\n')
    for n in range(1, files):
        (directory / f"client{n}.tf").write_text(CLIENT_TF.format(n=n, hours=1))
    return directory / "client1.tf"


def _cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used so far, from /proc (None where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(path: Path, texts: list[str], cwd: Path) -> tuple[list[float], float | None, float]:
    """Latency of each change (wall, less the debounce), and the server's and the client's CPU seconds per change."""
    async with session(cwd=cwd) as s:
        await s.open(path, texts[0])
        uri = path.resolve().as_uri()
        server = getattr(s.client, "_server", None)
        pid = getattr(server, "pid", None)
        times = []
        cpu, client = _cpu(pid), time.process_time()
        for text in texts[1:]:
            started = time.perf_counter()
            await s.diagnostics(uri, s.change(path, text))
            times.append(time.perf_counter() - started - DEBOUNCE)
        after, client = _cpu(pid), (time.process_time() - client) / len(times)
        return times, (after - cpu) / len(times) if cpu is not None and after is not None else None, client


def report(name: str, measured: tuple[list[float], float | None, float]) -> None:
    times, cpu, client = measured
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    server = f"; server CPU {cpu * 1000:.1f} ms per change" if cpu is not None else ""
    server += f", client CPU {client * 1000:.1f} ms"
    print(f"{name}: {len(times)} changes; wall after the {DEBOUNCE * 1000:.0f} ms debounce: median "
          f"{statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
          f"{server}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="20 changes")
    args = parser.parse_args()
    changes = 20 if args.quick else args.changes
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        texts = [template(1000, 1 + n % 30) for n in range(changes + 1)]
        print(f"template: {texts[0].count(chr(10))} lines")
        report("1,000-line template", asyncio.run(measure(base / "template.yaml", texts, base)))
        tf = base / "tf"
        tf.mkdir()
        path = module(tf, 50)
        texts = [CLIENT_TF.format(n=1, hours=1 + n % 30) for n in range(changes + 1)]
        report("50-file Terraform module", asyncio.run(measure(path, texts, base)))
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
