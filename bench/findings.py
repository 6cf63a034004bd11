"""CPU of making findings, in process: ``python bench/findings.py TEMPLATE [PASSES]``.

Parses the template and evaluates each client once, then times :func:`cogcheck.scan.check.check_template` of a fresh
parse with those evaluations reused: what remains is making the findings (scenarios merged, positions, fix offers,
the finding records, their fingerprints). Also times a worker's result through a pipe (pickled and unpickled as
:func:`cogcheck.scan.result.packed` sends it, when the checkout has it). Prints the minimum of ``PASSES`` (default 5)
per finding; run it with ``PYTHONPATH`` set to each checkout, interleaved, to compare two.
"""

from __future__ import annotations

import gc
import pickle
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    from cogcheck.cfn.parse import parse_template
    from cogcheck.cli.run import GC_THRESHOLD
    from cogcheck.scan import check, result
    from cogcheck.scan.options import ScanOptions

    gc.set_threshold(GC_THRESHOLD, 50, 100)  # as `cogcheck scan` does
    path = Path(sys.argv[1])
    passes = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    data = path.read_bytes()
    options = ScanOptions()
    rules = options.enabled_rules()
    evaluate = check._evaluate_client
    kept: dict[str, Any] = {}

    def once(template: Any, logical_id: str, *rest: Any) -> Any:
        if logical_id not in kept:
            kept[logical_id] = evaluate(template, logical_id, *rest)
        return kept[logical_id]

    check._evaluate_client = once  # type: ignore[assignment]
    template = parse_template(str(path), data)
    assert template is not None, f"{path} is not a template"
    findings, _notices, _clients = check.check_template(template, rules, options)
    made = 1e9
    for _ in range(passes):
        template = parse_template(str(path), data)
        assert template is not None
        gc.collect()
        start = time.process_time()
        findings, _notices, _clients = check.check_template(template, rules, options)
        for finding in findings:
            _ = finding.fingerprint
        made = min(made, time.process_time() - start)
    pack = getattr(result, "packed", lambda r: r)
    unpack = getattr(result, "unpacked", lambda v: v)
    part = result.ScanResult(findings=findings)
    send = receive = 1e9
    for _ in range(passes):
        gc.collect()
        start = time.process_time()
        message = pickle.dumps(pack(part), pickle.HIGHEST_PROTOCOL)
        send = min(send, time.process_time() - start)
        gc.collect()
        start = time.process_time()
        unpack(pickle.loads(message))  # noqa: S301 - the bytes pickled just above
        receive = min(receive, time.process_time() - start)
    count = len(findings) or 1
    print(f"{len(findings)} findings: made in {made / count * 1e6:.1f} µs each; through a pipe "
          f"{len(message) / count:.0f} bytes each, sent in {send / count * 1e6:.2f} µs, received in "
          f"{receive / count * 1e6:.2f} µs (CPU, minimum of {passes})")


if __name__ == "__main__":
    main()
