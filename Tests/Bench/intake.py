#!/usr/bin/env python3
"""`make bench`'s intake cases (called by bench.sh; prints its rows as `ROW|...` and
`CHECK|...` lines, everything else on stderr).

sync: a test shop on loopback (Tests/ShopServer/shop_server.py) offers ORDERS
  WooCommerce orders (1-3 lines, 40 SKUs); `orderctl sync` reads them in pages of 100
  (the most WooCommerce's REST API gives), into a fresh database. Against it: `orderctl
  import` of the same orders as orderctl's own JSON Lines (exported from the synced
  database), into another fresh one. Peak memory of the sync from /usr/bin/time.
  Checked: every order is in both, with the same totals.

load: `orderctl serve` on loopback takes signed order.created deliveries from SENDERS
  concurrent senders (DELIVERIES each) while a CLI loop runs `orderctl add` against the
  same database. Reported: deliveries per second, p50 and p99 latency of a delivery as
  its sender saw it, the count lost (answered 200 but not in the database: must be 0),
  and the CLI adds done while it ran (every one must exit 0).

usage: intake.py ORDERCTL WORKDIR [ORDERS] [SENDERS] [DELIVERIES]
"""

import base64
import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.request

ORDERCTL, WORK = sys.argv[1], sys.argv[2]
ORDERS = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
SENDERS = int(sys.argv[4]) if len(sys.argv) > 4 else 4
DELIVERIES = int(sys.argv[5]) if len(sys.argv) > 5 else 500
HERE = os.path.dirname(os.path.abspath(__file__))
SHOP_SERVER = os.path.join(HERE, "..", "ShopServer", "shop_server.py")
ENV = dict(os.environ, NO_COLOR="1", TZ="UTC", ORDERCTL_NOW="2026-11-25T10:00:00Z")


def say(text):
    print("bench: " + text, file=sys.stderr, flush=True)


def fail(text):
    print("bench: CHECK FAILED: " + text, file=sys.stderr, flush=True)
    sys.exit(1)


def run(db, *args, check=True):
    r = subprocess.run([ORDERCTL, "--db", db, *args], env=ENV, capture_output=True, text=True)
    if check and r.returncode != 0:
        fail("orderctl %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()[-400:]))
    return r


def sql(db, query):
    return subprocess.run(["sqlite3", "-batch", db, query], capture_output=True, text=True, check=True).stdout.split()


def secret(name, value):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, 0o600)
    return path


def woo_orders(n, first_id=100000, rng=None):
    rng = rng or random.Random(7)
    out = []
    for i in range(n):
        lines = []
        for j in range(rng.randint(1, 3)):
            sku, q = "SKU-%02d" % rng.randint(1, 40), rng.randint(1, 3)
            price = 100 + (int(sku[4:]) * 37) % 2900
            lines.append({"id": (first_id + i) * 10 + j, "name": "Product " + sku, "product_id": int(sku[4:]),
                          "variation_id": 0, "quantity": q, "subtotal": "%d.%02d" % divmod(price * q, 100),
                          "total": "%d.%02d" % divmod(price * q, 100), "sku": sku, "price": price / 100})
        # One SKU once per order (the import's rule for a SKU twice is not what is timed).
        seen, kept = set(), []
        for line in lines:
            if line["sku"] not in seen:
                seen.add(line["sku"])
                kept.append(line)
        status = rng.choice(["processing", "processing", "completed", "pending", "cancelled"])
        t = 1795000000 + i * 37
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
        out.append({
            "id": first_id + i, "number": str(first_id + i), "status": status, "currency": "EUR",
            "date_created_gmt": stamp, "date_modified_gmt": stamp,
            "date_paid_gmt": None if status in ("pending", "cancelled") else stamp,
            "date_completed_gmt": stamp if status == "completed" else None,
            "billing": {"first_name": "Kundin", "last_name": str(i % 3000), "email": "k%d@example.com" % (i % 3000),
                        "country": "DE"},
            "shipping": {"country": "DE"}, "line_items": kept, "shipping_lines": [], "fee_lines": [],
            "coupon_lines": [], "refunds": [], "shipping_total": "4.90", "total": "0", "total_tax": "0.00",
            "discount_total": "0.00"})
    return out


def fresh(name):
    db = os.path.join(WORK, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    run(db, "init", "--currency", "EUR", "--timezone", "Europe/Berlin")
    return db


def sync_case():
    say("intake: sync of %d orders from a test shop, against import of the same orders ..." % ORDERS)
    folder = os.path.join(WORK, "shop")
    os.makedirs(folder, exist_ok=True)
    key, sec = "ck_bench", "cs_bench"
    with open(os.path.join(folder, "scenario.json"), "w") as f:
        json.dump({"woocommerce": {"key": key, "secret": sec, "orders": woo_orders(ORDERS)}}, f)
    server = subprocess.Popen([sys.executable, SHOP_SERVER, folder], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        port = int(server.stdout.readline().decode().strip())
        db = fresh("sync.db")
        run(db, "shop", "add", "woo", "--platform", "woocommerce", "--url", "https://shop.example", "--api-url",
            "http://127.0.0.1:%d" % port, "--key-file", secret("woo.key", key), "--secret-file",
            secret("woo.secret", sec))
        t0 = time.monotonic()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", ORDERCTL, "--db", db, "sync"], env=ENV, capture_output=True,
                           text=True)
        sync_s = time.monotonic() - t0
        if r.returncode != 0 or "created %d," % ORDERS not in r.stdout:
            fail("sync: exit %d: %s %s" % (r.returncode, r.stdout.strip(), r.stderr.strip()[-400:]))
        peak_kib = int(r.stderr.strip().splitlines()[-1])
        pages = sum(1 for line in open(os.path.join(folder, "requests.jsonl")))
    finally:
        server.kill()
        server.wait()
    export = os.path.join(WORK, "orders.jsonl")
    with open(export, "w") as f:
        subprocess.run([ORDERCTL, "--db", db, "export", "--format", "jsonl"], env=ENV, stdout=f, check=True)
    target = fresh("import.db")
    t0 = time.monotonic()
    run(target, "import", export)
    import_s = time.monotonic() - t0
    q = "SELECT count(*), sum(total), sum(paid_total) FROM orders"
    if sql(db, q) != sql(target, q):
        fail("sync and import differ: %s against %s" % (sql(db, q), sql(target, q)))
    print("ROW|sync %d orders, %d pages (vs import)|%.4f|%.4f|(what it costs)|1" % (ORDERS, pages, sync_s, import_s))
    print("ROW|sync peak RSS, MiB|%.1f|-|(what it costs)|1" % (peak_kib / 1024))
    print("CHECK|sync: all %d orders created, with the same count, totals and payments as the import of them"
          % ORDERS)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def load_case():
    total = SENDERS * DELIVERIES
    say("intake: %d webhook deliveries from %d senders while a CLI loop adds orders ..." % (total, SENDERS))
    db = fresh("serve.db")
    hook = "whsec_bench"
    run(db, "shop", "add", "woo", "--platform", "woocommerce", "--url", "https://shop.example", "--key-file",
        secret("w.key", "ck_bench"), "--secret-file", secret("w.secret", "cs_bench"), "--webhook-secret-file",
        secret("w.hook", hook))
    run(db, "product", "add", "LOOP-1", "--name", "Loop product", "--price", "3.00", "--stock", "100000")
    run(db, "customer", "add", "--name", "Loop Kunde", "--email", "loop@example.com", "--country", "DE")
    log = open(os.path.join(WORK, "serve.log"), "w+")
    server = subprocess.Popen([ORDERCTL, "--db", db, "serve", "--listen", "127.0.0.1:0"], env=ENV,
                              stdout=subprocess.DEVNULL, stderr=log)
    port = 0
    for _ in range(400):
        with open(log.name) as f:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.025)
    if not port:
        server.kill()
        fail("serve did not start")
    orders = woo_orders(total, first_id=500000, rng=random.Random(11))
    latencies, acked, errors, lock = [], [], [], threading.Lock()
    done = threading.Event()

    def sender(batch):
        for doc in batch:
            body = json.dumps(doc).encode()
            sig = base64.b64encode(hmac.new(hook.encode(), body, hashlib.sha256).digest()).decode()
            req = urllib.request.Request("http://127.0.0.1:%d/webhooks/woo" % port, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "X-WC-Webhook-Signature": sig,
                                                  "X-WC-Webhook-Topic": "order.created"})
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status = r.status
            except Exception as e:  # noqa: BLE001 - counted as an error, shown below
                status = str(e)
            with lock:
                if status == 200:
                    latencies.append(time.monotonic() - t0)
                    acked.append(str(doc["id"]))
                else:
                    errors.append(status)

    cli = {"adds": 0, "failed": []}

    def loop():
        while not done.is_set():
            r = run(db, "add", "--customer", "loop@example.com", "--item", "LOOP-1:1", check=False)
            if r.returncode == 0:
                cli["adds"] += 1
            else:
                cli["failed"].append(r.stderr.strip()[-200:])

    threads = [threading.Thread(target=sender, args=(orders[k::SENDERS],)) for k in range(SENDERS)]
    looper = threading.Thread(target=loop)
    t0 = time.monotonic()
    looper.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    done.set()
    looper.join()
    server.terminate()
    if server.wait(timeout=30) != 0:
        fail("serve did not stop cleanly on SIGTERM")
    kept = set(sql(db, "SELECT platform_id FROM shop_orders"))
    lost = [a for a in acked if a not in kept]
    if errors:
        fail("%d deliveries were not answered 200: %s" % (len(errors), errors[:3]))
    if cli["failed"]:
        fail("%d CLI adds failed while serve ran: %s" % (len(cli["failed"]), cli["failed"][:2]))
    if lost:
        fail("%d acknowledged deliveries are not in the database" % len(lost))
    print("ROW|webhooks: deliveries per second|%.1f|-|(what it does)|1" % (len(acked) / wall))
    print("ROW|webhooks: p50 latency, ms|%.1f|-|(what it does)|1" % (percentile(latencies, 50) * 1000))
    print("ROW|webhooks: p99 latency, ms|%.1f|-|(what it does)|1" % (percentile(latencies, 99) * 1000))
    print("ROW|webhooks: lost (answered 200, not stored)|%d|-|= 0|1" % len(lost))
    print("CHECK|webhooks: %d deliveries from %d senders answered 200 and stored, none lost; %d CLI adds meanwhile, "
          "all exit 0; serve stopped cleanly on SIGTERM" % (len(acked), SENDERS, cli["adds"]))


if __name__ == "__main__":
    sync_case()
    load_case()
