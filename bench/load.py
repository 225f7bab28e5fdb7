"""Load generator, run as its own process: ``python -m bench.load SPEC.json OUT.json``.

SPEC: {"base": "http://127.0.0.1:PORT", "concurrency": n, "requests": [[method, path, token, body|null], ...]}
Each of ``concurrency`` threads takes the next request from the shared list and
sends it on its own keep-alive connection. OUT gets every latency (s), the
wall time and the failures.
"""
from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def main(spec_path: str, out_path: str) -> None:
    spec = json.load(open(spec_path))
    base = urlsplit(spec["base"])
    requests = spec["requests"]
    lock = threading.Lock()
    cursor = [0]
    latencies: list[float] = []
    failures: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
        while True:
            with lock:
                i = cursor[0]
                cursor[0] += 1
            if i >= len(requests):
                break
            method, path, token, body = requests[i]
            headers = {"Authorization": f"Bearer {token}"}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                status = resp.status
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
                status, data = 0, str(exc).encode()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if status >= 300 or status == 0:
                    failures.append(f"{status} {method} {path}: {data[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(spec["concurrency"])]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    json.dump({"latencies": latencies, "wall": wall, "failures": failures}, open(out_path, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
