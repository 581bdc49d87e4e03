#!/usr/bin/env python3
"""A test shop on loopback for `orderctl sync`: Shopify's GraphQL Admin API orders query
and WooCommerce's REST API v3 orders list, as their documentation describes them
(cursor pages and the cost throttle; modified_after, orderby=modified, X-WP-TotalPages,
Basic auth), answering from a scenario file the test writes.

    python3 shop_server.py STATE_DIR      # prints the port, then serves until killed

STATE_DIR/scenario.json is read on every request, so a test can change the shop
between two syncs:

    {"shopify": {"token": "...", "orders": [NODE, ...], "fail": [500, 429], "throttle": 1,
                 "malformed": false, "fail_after_pages": null},
     "woocommerce": {"key": "ck_...", "secret": "cs_...", "orders": [ORDER, ...], "fail": [],
                     "retry_after": "1", "malformed": false, "fail_after_pages": null}}

`fail` lists statuses to answer first, one per request (consumed); `throttle` is how
many queries Shopify answers THROTTLED first; `fail_after_pages` answers 500 to every
page request after that many. Every request is logged to STATE_DIR/requests.jsonl.
"""

import os

# Started by a test while other tests start orderctl: a pipe of theirs may have come
# along (not close-on-exec); holding it would keep them waiting for its end.
os.closerange(3, 4096)

import base64
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = sys.argv[1]
LOCK = threading.Lock()
USED = {"shopify": {"fail": 0, "throttle": 0, "pages": 0}, "woocommerce": {"fail": 0, "throttle": 0, "pages": 0}}


CACHE = {}


def scenario(platform):
    """The scenario file, read again whenever it changed (parsed once per version, so
    that a shop of 10,000 orders answers a page in milliseconds)."""
    path = os.path.join(STATE, "scenario.json")
    st = os.stat(path)
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    with LOCK:
        if CACHE.get("key") != key:
            with open(path) as f:
                CACHE["value"], CACHE["key"] = json.load(f), key
        return CACHE["value"].get(platform, {})


def log(entry):
    with LOCK, open(os.path.join(STATE, "requests.jsonl"), "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def scripted_failure(self, platform, s):
        """A status from `fail` (consumed), else None."""
        with LOCK:
            used = USED[platform]["fail"]
            fails = s.get("fail", [])
            if used < len(fails):
                USED[platform]["fail"] += 1
                return fails[used]
        return None

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        s = scenario("shopify")
        try:
            request = json.loads(body)
        except ValueError:
            request = {}
        log({"platform": "shopify", "method": "POST", "path": url.path,
             "variables": request.get("variables"), "single": "order(id:" in request.get("query", "")})
        if url.path != "/admin/api/2026-01/graphql.json":
            return self.answer(404, {"errors": "Not Found"})
        if self.headers.get("X-Shopify-Access-Token") != s.get("token"):
            return self.answer(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
        failure = self.scripted_failure("shopify", s)
        if failure:
            return self.answer(failure, {"errors": "scripted"}, [("Retry-After", s.get("retry_after", "1"))])
        if s.get("malformed"):
            return self.answer(200, b"<html>maintenance</html>")
        cost = {"requestedQueryCost": 420, "actualQueryCost": 60,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1900, "restoreRate": 100.0}}
        with LOCK:
            if USED["shopify"]["throttle"] < s.get("throttle", 0):
                USED["shopify"]["throttle"] += 1
                cost = {"requestedQueryCost": 420,
                        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 220, "restoreRate": 100.0}}
                return self.answer(200, {"errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                    "extensions": {"cost": cost}})
        orders = sorted(s.get("orders", []), key=lambda o: (o["updatedAt"], o["id"]))
        variables = request.get("variables") or {}
        if "order(id:" in request.get("query", ""):
            node = s.get("single", {}).get(variables.get("id")) or next(
                (o for o in orders if o["id"] == variables.get("id")), None)
            return self.answer(200, {"data": {"order": node}, "extensions": {"cost": cost}})
        with LOCK:
            USED["shopify"]["pages"] += 1
            pages = USED["shopify"]["pages"]
        if s.get("fail_after_pages") is not None and pages > s["fail_after_pages"]:
            return self.answer(500, {"errors": "scripted"})
        q = variables.get("query") or ""
        if q.startswith("updated_at:>='") and q.endswith("'"):
            since = q[len("updated_at:>='"):-1]
            orders = [o for o in orders if o["updatedAt"] >= since]
        start = int(variables.get("after") or 0)
        first = int(variables.get("first") or 50)
        page = orders[start:start + first]
        end = start + len(page)
        self.answer(200, {"data": {"orders": {"nodes": page, "pageInfo": {
            "hasNextPage": end < len(orders), "endCursor": str(end) if page else None}}},
            "extensions": {"cost": cost}})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        s = scenario("woocommerce")
        log({"platform": "woocommerce", "method": "GET", "path": url.path, "query": query})
        if url.path != "/wp-json/wc/v3/orders":
            return self.answer(404, {"code": "rest_no_route", "message": "No route was found matching the URL and request method.", "data": {"status": 404}})
        expected = "Basic " + base64.b64encode(f"{s.get('key')}:{s.get('secret')}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.answer(401, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.", "data": {"status": 401}})
        failure = self.scripted_failure("woocommerce", s)
        if failure:
            return self.answer(failure, {"code": "scripted"}, [("Retry-After", s.get("retry_after", "1"))])
        if s.get("malformed"):
            return self.answer(200, b"<html>maintenance</html>")
        with LOCK:
            USED["woocommerce"]["pages"] += 1
            pages = USED["woocommerce"]["pages"]
        if s.get("fail_after_pages") is not None and pages > s["fail_after_pages"]:
            return self.answer(500, {"code": "scripted"})
        orders = sorted(s.get("orders", []), key=lambda o: (o["date_modified_gmt"], o["id"]))
        if "modified_after" in query:
            orders = [o for o in orders if o["date_modified_gmt"] > query["modified_after"]]
        per_page = int(query.get("per_page", "10"))
        page = int(query.get("page", "1"))
        total_pages = max(1, -(-len(orders) // per_page))
        chunk = orders[(page - 1) * per_page: page * per_page]
        self.answer(200, chunk, [("X-WP-Total", str(len(orders))), ("X-WP-TotalPages", str(total_pages))])


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
