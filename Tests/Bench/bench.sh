#!/usr/bin/env bash
# `make bench`: orderctl against the sqlite3 command-line tool doing the same work on
# the same data in the same run. Times whole processes (wall clock, process start
# included) and prints the median of several runs, both figures and the ratio
# orderctl / sqlite3 (below 1.00: orderctl is faster).
#
#   ORDERCTL=path/to/orderctl bash Tests/Bench/bench.sh
#
# Environment:
#   BENCH_ORDERS        orders to generate (default 100000; 1000000 is the issue's size)
#   BENCH_RUNS          runs of the import case, median reported (default 5)
#   BENCH_IMPORT_RUNS   the same, when set (1 or 3 at 1M orders, where one run takes ~8 min)
#   BENCH_QUICK_RUNS    runs of list, show, add and ship (default 21: they take milliseconds)
#   BENCH_SEED          generator seed (default 42)
#   BENCH_KEEP=1        keep the work directory (data and databases) and print where
#   TMPDIR              where the work directory goes (needs ~17 kB per order: 17 GB at 1M)
#
# Cases (see BENCHMARKS.md for what each compares):
#   import  `orderctl init` + `orderctl import FILE` into an empty database, against
#           sqlite3 `.import` into a staging table + Tests/Bench/floor.sql, which
#           writes the same rows into schema.sql's tables with INSERT ... SELECT
#   list    `orderctl list --limit 20` against the same query in sqlite3, and again with
#           ORDERCTL_FAST_ARGS=0 (swift-argument-parser, not FastPath, parses it)
#   show    `orderctl show REF` against the SELECTs returning the same data
#   add     `orderctl add` (2 lines, stock reserved) against one sqlite3 transaction
#   ship    `orderctl ship REF` (stock moved) against one sqlite3 transaction
#   remind  `orderctl remind` with the clock at the data's end: first run, a silent
#           repeat, and the next day (absolute times; the target is 0.3 s)
#   stats   `orderctl stats --by month|customer|product` over the data's last 12 months,
#           against the plain SQL aggregate over the order lines (BENCH_STATS_RUNS, default 5)
#   backup, doctor, restore: against sqlite3's .backup, quick_check plus the plain SQL of
#           doctor's invariants (Tests/Bench/doctor.sql), cp plus quick_check
#   intake  Tests/Bench/intake.py: `orderctl sync` of BENCH_SYNC_ORDERS (default 10000)
#           orders from a test shop against `orderctl import` of the same orders, and
#           webhooks into `orderctl serve` from 4 senders while a CLI loop adds orders
# and, for reference, the start-up of each process alone (`--version`).
set -euo pipefail

ORDERCTL=${ORDERCTL:?set ORDERCTL to the orderctl binary}
ORDERS=${BENCH_ORDERS:-100000}
RUNS=${BENCH_RUNS:-5}
IMPORT_RUNS=${BENCH_IMPORT_RUNS:-$RUNS}
QUICK_RUNS=${BENCH_QUICK_RUNS:-21}
SEED=${BENCH_SEED:-42}
ZONE=Europe/Berlin
# The data ends the day before END (gen.py's default); the shop imports it at midnight UTC
# of END, and cron's remind runs at 06:00 UTC that morning and the next.
END=2026-11-20
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
SCHEMA=$root/schema.sql
FLOOR=$here/floor.sql
export NO_COLOR=1
unset ORDERCTL_DB

for n in "$ORDERS" "$RUNS" "$IMPORT_RUNS" "$QUICK_RUNS" "$SEED"; do
  [[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || { echo "bench: BENCH_* values must be positive whole numbers (got '$n')" >&2; exit 64; }
done
for tool in sqlite3 python3 /usr/bin/time; do
  command -v "$tool" > /dev/null || { echo "bench: $tool is missing ('make bench' installs it)" >&2; exit 1; }
done
[ -x "$ORDERCTL" ] || { echo "bench: $ORDERCTL is not an executable" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/orderctl-bench.XXXXXX")
if [ "${BENCH_KEEP:-}" = 1 ]; then trap 'echo "bench: kept $work" >&2' EXIT; else trap 'rm -rf "$work"' EXIT; fi

say() { echo "bench: $*" >&2; }
fail() { echo "bench: CHECK FAILED: $*" >&2; exit 1; }
q() { sqlite3 -batch "$@"; }   # a query for the checks (not timed)

# ------------------------------------------------------------------ timing
# Wall time of one command in microseconds, in $took; its stdout goes to $out.
out=/dev/null
timed() {
  local t0 t1
  t0=${EPOCHREALTIME/[.,]/}
  "$@" > "$out"
  t1=${EPOCHREALTIME/[.,]/}
  took=$((10#$t1 - 10#$t0))
}
median() { # microsecond figures -> the median in seconds
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f", m / 1e6 }'
}
declare -a table=()
record() { # case, orderctl seconds, sqlite3 seconds (or - when there is none), target, runs
  local ratio=-
  [ "$3" = - ] || ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", a / b }')
  table+=("$1|$2|$3|$ratio|$4|$5")
}

# ------------------------------------------------------------------ machine
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2> /dev/null || true)
commit=$(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo "not a git checkout")
if [ -n "$(git -C "$root" status --porcelain -- Sources Package.swift schema.sql 2> /dev/null)" ]; then
  commit="$commit + uncommitted changes in Sources/"
fi
echo "orderctl bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit"
echo "machine:  $(nproc) cores, ${cpu:-unknown CPU}, ${mem:-? GiB} RAM, $(uname -sr)"
echo "tools:    sqlite3 $(sqlite3 --version | cut -d' ' -f1), $(swift --version 2>&1 | head -n 1 || echo 'swift: not found'), $(python3 --version)"
echo "binary:   $ORDERCTL ($(du -m "$ORDERCTL" | cut -f1) MB)"

# ------------------------------------------------------------------ data
csv=$work/orders.csv
say "generating $ORDERS orders (seed $SEED) ..."
python3 "$here/gen.py" "$ORDERS" --seed "$SEED" --end "$END" --out "$csv" 2> "$work/gen.log" || { cat "$work/gen.log" >&2; exit 1; }
rows=$(sed -n 's/^gen.py: \([0-9]*\) rows.*/\1/p' "$work/gen.log")
echo "data:     $(sed 's/^gen.py: //' "$work/gen.log"); $(du -m "$csv" | cut -f1) MB, sha256 $(sha256sum "$csv" | cut -c1-16)"
echo

# ------------------------------------------------------------------ import
# Both sides start from nothing: orderctl creates its database with `init`; sqlite3
# runs schema.sql itself. Same journal mode (WAL) and synchronous (FULL) as orderctl.
odb=$work/import-orderctl.db
sdb=$work/import-sqlite3.db
# Same work: every table holds the same number of rows, and the orders the same values.
counts() {
  q "$1" "SELECT 'customers ' || (SELECT count(*) FROM customers) || ', products ' || (SELECT count(*) FROM products)
    || ', orders ' || (SELECT count(*) FROM orders) || ', lines ' || (SELECT count(*) FROM order_lines)
    || ', events ' || (SELECT count(*) FROM order_events) || ', payments ' || (SELECT count(*) FROM payments)
    || ', shipments ' || (SELECT count(*) FROM shipments) || ', shipment lines ' || (SELECT count(*) FROM shipment_lines)
    || ', stock moves ' || (SELECT count(*) FROM stock_moves)"
}
check_import() {
  oc=$(counts "$odb"); sc=$(counts "$sdb")
  [ "$oc" = "$sc" ] || fail "import: orderctl wrote $oc; the sqlite3 floor wrote $sc"
  [ "$(q "$odb" 'SELECT count(*) FROM orders')" = "$ORDERS" ] || fail "import: not all $ORDERS orders imported ($oc)"
  [ "$(q "$odb" 'SELECT count(*) FROM order_lines')" = "$rows" ] || fail "import: not all $rows lines imported ($oc)"
  local cols="ref, customer_id, status, payment_status, fulfilment_status, channel, shipping, total, item_count,
      class, class_reason, due_date, note, placed_at, paid_total, refunded_total, closed_reason, held_from,
      status_at, confirmed_at"
  q "$odb" "SELECT $cols FROM orders ORDER BY id" > "$work/orders-orderctl.txt"
  q "$sdb" "SELECT $cols FROM orders ORDER BY id" > "$work/orders-sqlite3.txt"
  cmp -s "$work/orders-orderctl.txt" "$work/orders-sqlite3.txt" || {
    diff "$work/orders-orderctl.txt" "$work/orders-sqlite3.txt" | head -n 6 >&2
    fail "import: the orders differ between orderctl (<) and the sqlite3 floor (>)"
  }
  rm -f "$work/orders-orderctl.txt" "$work/orders-sqlite3.txt"
  [ "$(q "$odb" 'SELECT group_concat(status || hours || orders) FROM status_durations')" = \
    "$(q "$sdb" 'SELECT group_concat(status || hours || orders) FROM status_durations')" ] ||
    fail "import: status_durations differ between orderctl and the sqlite3 floor"
  q "$odb" "PRAGMA integrity_check" | grep -qx ok || fail "import: orderctl's database fails PRAGMA integrity_check"
}
declare -a ti=() ts=() rss=() srss=()
for i in $(seq 1 "$IMPORT_RUNS"); do
  say "import run $i of $IMPORT_RUNS: orderctl ..."
  rm -f "$odb" "$odb-wal" "$odb-shm"
  import_orderctl() {
    "$ORDERCTL" --db "$odb" init --currency EUR --timezone "$ZONE" --country DE > /dev/null &&
      ORDERCTL_NOW=${END}T00:00:00Z /usr/bin/time -f %M -o "$work/rss" "$ORDERCTL" --db "$odb" import "$csv" > "$work/import.out" 2>&1
  }
  timed import_orderctl || { cat "$work/import.out" >&2; fail "orderctl import exited with an error"; }
  ti+=("$took"); rss+=("$(tail -n 1 "$work/rss")")
  if grep -qi '^warning' "$work/import.out"; then
    grep -i -m 5 '^warning' "$work/import.out" >&2
    fail "orderctl import warned about the generated data (gen.py should write none)"
  fi
  say "  $(awk -v t="$took" 'BEGIN { printf "%.2f s", t / 1e6 }'), $(tail -n 1 "$work/rss") kB peak; sqlite3 ..."
  rm -f "$sdb" "$sdb-wal" "$sdb-shm"
  import_sqlite3() {
    TZ=$ZONE /usr/bin/time -f %M -o "$work/srss" sqlite3 -batch -bail "$sdb" \
      "PRAGMA journal_mode = WAL" "PRAGMA synchronous = FULL" ".read $SCHEMA" \
      "BEGIN" ".import --csv --schema temp $csv staging" ".read $FLOOR" "COMMIT"
  }
  timed import_sqlite3 || fail "the sqlite3 floor exited with an error"
  ts+=("$took"); srss+=("$(tail -n 1 "$work/srss")")
  say "  $(awk -v t="$took" 'BEGIN { printf "%.2f s", t / 1e6 }')"
  check_import
done

record "import (init + import FILE, empty db)" "$(median "${ti[@]}")" "$(median "${ts[@]}")" "<= 1.00 (aim 0.70)" "$IMPORT_RUNS"
peak=$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)
speak=$(printf '%s\n' "${srss[@]}" | sort -n | tail -n 1)
checks=("import: orderctl said: $(grep -m 1 -i 'rows' "$work/import.out" || head -n 1 "$work/import.out")"
        "import: both wrote $oc; orders identical in every column but created_at/updated_at; the same status_durations")
rm -f "$sdb" "$sdb-wal" "$sdb-shm"

# ------------------------------------------------------------------ fixture
# The imported database is the data for the other cases. The owner switches stock
# tracking on for the products used below (imported products do not track stock),
# so that add reserves stock and ship moves it. Writes run on copies, one per side,
# and every run of add/ship gets its own order.
base=$work/base.db
mv "$odb" "$base"
rm -f "$odb-wal" "$odb-shm"
need=$((QUICK_RUNS + 1))   # + 1 warm-up run
show_ref=$(q "$base" "SELECT o.ref FROM orders o WHERE o.status = 'completed' AND o.id >= (SELECT max(id) / 2 FROM orders)
  AND (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) >= 3 ORDER BY o.id LIMIT 1")
mapfile -t ship_refs < <(q "$base" "SELECT ref FROM orders WHERE status = 'confirmed' ORDER BY id DESC LIMIT $need")
[ "${#ship_refs[@]}" -ge "$need" ] || fail "only ${#ship_refs[@]} confirmed orders to ship; use more BENCH_ORDERS or fewer BENCH_QUICK_RUNS"
add_email=$(q "$base" "SELECT email FROM customers WHERE country = 'DE' ORDER BY id LIMIT 1 OFFSET 10")
mapfile -t add_skus < <(q "$base" "SELECT sku FROM products ORDER BY id LIMIT 2")
in_list=$(printf "'%s'," "${ship_refs[@]}"); in_list=${in_list%,}
mapfile -t tracked < <(q "$base" "SELECT DISTINCT l.sku FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref IN ($in_list)
  UNION SELECT sku FROM products WHERE sku IN ('${add_skus[0]}', '${add_skus[1]}')")
say "stock on for ${#tracked[@]} products ..."
for sku in "${tracked[@]}"; do
  "$ORDERCTL" --db "$base" stock set "$sku" 100000 --note "bench stocktake" > /dev/null 2> "$work/stock.err" ||
    { cat "$work/stock.err" >&2; fail "orderctl stock set $sku failed"; }
done
ship_lines=$(q "$base" "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref IN ($in_list)")

# ------------------------------------------------------------------ the sqlite3 side
NOW="strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
# Appends one event to order $1 (an SQL expression) as orderctl does: the next seq,
# chained to the newest event by hash, and the chain's head saved in settings.
event_sql() { # order, kind, old, new, detail (SQL expressions)
  cat << SQL
INSERT INTO order_events (id, order_id, seq, at, kind, old_value, new_value, detail, prev_hash, hash)
  SELECT h.id + 1, $1, s.seq, $NOW, '$2', $3, $4, $5, h.hash,
         lower(hex(sha3(h.hash || char(31) || (h.id + 1) || char(31) || $1 || char(31) || s.seq || char(31) || $NOW
                        || char(31) || '$2' || char(31) || coalesce($3, '') || char(31) || coalesce($4, '') || char(31)
                        || coalesce($5, ''), 256)))
  FROM (SELECT id, hash FROM order_events ORDER BY id DESC LIMIT 1) AS h,
       (SELECT coalesce(max(seq), 0) + 1 AS seq FROM order_events WHERE order_id = $1) AS s;
INSERT OR REPLACE INTO settings (key, value) SELECT 'history.head', id || ':' || hash FROM order_events ORDER BY id DESC LIMIT 1;
SQL
}
# What `show` reads: the summary, the order's other fields, customer, lines, history,
# shipments with their lines, payments.
show_sql() { # ref
  local o="(SELECT id FROM orders WHERE ref = '$1')"
  cat << SQL
SELECT o.id, o.ref, o.placed_at, c.id, c.name, c.email, o.status, o.payment_status, o.fulfilment_status,
       o.channel, o.shipping, o.class, o.item_count,
       (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id), o.total, o.currency, o.due_date, o.flag
  FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.ref = '$1';
SELECT class_reason, note, created_at, updated_at, paid_total, refunded_total, closed_reason, held_from FROM orders WHERE ref = '$1';
SELECT c.* FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.ref = '$1';
SELECT line_no, sku, name, quantity, unit_price, line_total, price_source, reserved, backordered, shipped, returned
  FROM order_lines WHERE order_id = $o ORDER BY line_no;
SELECT seq, at, kind, old_value, new_value, detail FROM order_events WHERE order_id = $o ORDER BY seq;
SELECT s.id, s.carrier, s.tracking, s.shipped_at, s.delivered_at, l.sku, sl.quantity
  FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN order_lines l ON l.id = sl.order_line_id
  WHERE s.order_id = $o ORDER BY s.id, l.line_no;
SELECT kind, amount, method, reason, at FROM payments WHERE order_id = $o ORDER BY id;
SQL
}
list_sql="SELECT o.id, o.ref, o.placed_at, c.id, c.name, c.email, o.status, o.payment_status, o.fulfilment_status,
       o.channel, o.shipping, o.class, o.item_count,
       (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id), o.total, o.currency, o.due_date, o.flag
  FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.placed_at DESC, o.id DESC LIMIT 20"
# A new order of 2 x SKU A and 1 x SKU B at catalog prices: order, 2 events, stock
# reserved (the guarded UPDATE orderctl uses), 2 lines, 1 event; then shown.
add_sql() { # ref
  local o="(SELECT id FROM orders WHERE ref = '$1')" a=${add_skus[0]} b=${add_skus[1]}
  cat << SQL
BEGIN IMMEDIATE;
INSERT INTO orders (ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason,
                    due_date, note, placed_at, created_at, updated_at, payment_status)
  SELECT '$1', c.id, 'web', 'standard', 'EUR', 2 * pa.price + pb.price, 3,
         CASE WHEN c.country <> 'DE' THEN 'international' WHEN 2 * pa.price + pb.price >= 25000 THEN 'high-value' ELSE 'standard' END,
         CASE WHEN c.country <> 'DE' THEN 'rule international: ships to ' || c.country || ', shop is in DE'
              WHEN 2 * pa.price + pb.price >= 25000 THEN 'rule high-value' ELSE 'no rule matched (tried express, international, high-value, bulk)' END,
         NULL, NULL, $NOW, $NOW, $NOW, CASE WHEN 2 * pa.price + pb.price = 0 THEN 'paid' ELSE 'unpaid' END
  FROM customers c, products pa, products pb WHERE c.email = '$add_email' AND pa.sku = '$a' AND pb.sku = '$b';
$(event_sql "$o" created NULL "'pending'" "(SELECT '2 lines, 3 units, total ' || printf('%d.%02d EUR', total / 100, total % 100) FROM orders WHERE ref = '$1')")
$(event_sql "$o" classified NULL "(SELECT class FROM orders WHERE ref = '$1')" "(SELECT class_reason FROM orders WHERE ref = '$1')")
UPDATE products SET reserved = reserved + 2, updated_at = $NOW WHERE sku = '$a' AND on_hand - reserved >= 2;
INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source, reserved, backordered)
  SELECT $o, 1, id, sku, name, 2, price, 2 * price, 'catalog', 2, 0 FROM products WHERE sku = '$a';
UPDATE products SET reserved = reserved + 1, updated_at = $NOW WHERE sku = '$b' AND on_hand - reserved >= 1;
INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source, reserved, backordered)
  SELECT $o, 2, id, sku, name, 1, price, price, 'catalog', 1, 0 FROM products WHERE sku = '$b';
$(event_sql "$o" stock-reserved NULL NULL "'$a: 2 reserved; $b: 1 reserved'")
COMMIT;
$(show_sql "$1")
SQL
}
# Ship every outstanding unit of an order: units not yet reserved are reserved first
# (imported lines hold no reservation), then leave stock on hand with a stock move;
# the shipment, its lines, 3 events and the new statuses.
ship_sql() { # ref
  local o="(SELECT id FROM orders WHERE ref = '$1')"
  local todo="l.order_id = $o AND l.quantity > l.shipped"
  cat << SQL
BEGIN IMMEDIATE;
SELECT id, status, total, paid_total, refunded_total, payment_status, fulfilment_status, placed_at FROM orders WHERE ref = '$1';
SELECT l.id, l.product_id, l.sku, l.quantity, l.reserved, l.backordered, l.shipped, l.returned, p.track_stock
  FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $o ORDER BY l.line_no;
UPDATE products SET reserved = reserved + (SELECT sum(l.quantity - l.shipped - l.reserved) FROM order_lines l WHERE $todo AND l.product_id = products.id)
  WHERE track_stock = 1 AND id IN (SELECT l.product_id FROM order_lines l WHERE $todo AND l.quantity - l.shipped > l.reserved);
UPDATE order_lines SET reserved = quantity - shipped, backordered = 0
  WHERE order_id = $o AND quantity - shipped > reserved AND product_id IN (SELECT id FROM products WHERE track_stock = 1);
INSERT INTO shipments (order_id, carrier, tracking, shipped_at) VALUES ($o, NULL, NULL, $NOW);
UPDATE products SET on_hand = on_hand - (SELECT sum(l.quantity - l.shipped) FROM order_lines l WHERE $todo AND l.product_id = products.id),
                    reserved = reserved - (SELECT sum(l.quantity - l.shipped) FROM order_lines l WHERE $todo AND l.product_id = products.id),
                    updated_at = $NOW
  WHERE track_stock = 1 AND id IN (SELECT l.product_id FROM order_lines l WHERE $todo);
INSERT INTO stock_moves (product_id, kind, delta, on_hand, order_id, note, at)
  SELECT l.product_id, 'ship', -(l.quantity - l.shipped), p.on_hand, l.order_id, NULL, $NOW
  FROM order_lines l JOIN products p ON p.id = l.product_id WHERE $todo AND p.track_stock = 1 ORDER BY l.line_no;
INSERT INTO shipment_lines (shipment_id, order_line_id, quantity)
  SELECT (SELECT max(id) FROM shipments WHERE order_id = l.order_id), l.id, l.quantity - l.shipped
  FROM order_lines l WHERE $todo ORDER BY l.line_no;
$(event_sql "$o" shipped NULL "(SELECT group_concat(sku || ' x' || (quantity - shipped), ', ') FROM (SELECT * FROM order_lines l WHERE $todo ORDER BY line_no))" NULL)
UPDATE order_lines SET shipped = quantity, reserved = 0 WHERE order_id = $o AND quantity > shipped;
UPDATE orders SET status = 'shipped' WHERE ref = '$1';
$(event_sql "$o" status "'confirmed'" "'shipped'" NULL)
UPDATE orders SET fulfilment_status = 'fulfilled' WHERE ref = '$1';
$(event_sql "$o" fulfilment "'unfulfilled'" "'fulfilled'" NULL)
UPDATE orders SET updated_at = $NOW WHERE ref = '$1';
COMMIT;
SQL
}

# ------------------------------------------------------------------ list, show
say "list and show, $QUICK_RUNS runs each ..."
a=$("$ORDERCTL" --db "$base" list --limit 20 --csv | tail -n +2 | cut -d, -f1)
b=$(q "$base" "SELECT ref FROM ($list_sql)")
[ "$a" = "$b" ] || fail "list: orderctl and sqlite3 return different orders"
checks+=("list: the same 20 orders, ${b%%$'\n'*} down to ${b##*$'\n'}")

show_text=$(show_sql "$show_ref")
a=$("$ORDERCTL" --db "$base" show "$show_ref" --json | python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["lines"]), len(d["events"]))')
b=$(q "$base" "SELECT (SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref = '$show_ref'),
  (SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.ref = '$show_ref')" | tr '|' ' ')
[ "$a" = "$b" ] || fail "show: orderctl shows $a lines/events, sqlite3 finds $b"
checks+=("show $show_ref: the same ${b% *} lines and ${b#* } events")

quick() { # name, target, orderctl command ..., --, sqlite3 command ...
  local name=$1 target=$2; shift 2
  local -a oc=() sc=() to=() tsq=()
  while [ "$1" != -- ]; do oc+=("$1"); shift; done; shift; sc=("$@")
  "${oc[@]}" > /dev/null; "${sc[@]}" > /dev/null   # warm-up
  for _ in $(seq 1 "$QUICK_RUNS"); do
    timed "${oc[@]}"; to+=("$took")
    timed "${sc[@]}"; tsq+=("$took")
  done
  record "$name" "$(median "${to[@]}")" "$(median "${tsq[@]}")" "$target" "$QUICK_RUNS"
}
quick "start-up only (--version)" "(for reference)" "$ORDERCTL" --version -- sqlite3 --version
quick "list --limit 20 (newest 20)" "<= 2.00 at 1M" "$ORDERCTL" --db "$base" list --limit 20 -- sqlite3 -batch "$base" "$list_sql"
# The same with FastPath off (swift-argument-parser parses): what the fast path is worth.
nofast() { ORDERCTL_FAST_ARGS=0 "$@"; }
[ "$(nofast "$ORDERCTL" --db "$base" list --limit 20)" = "$("$ORDERCTL" --db "$base" list --limit 20)" ] ||
  fail "list: the output differs with ORDERCTL_FAST_ARGS=0"
checks+=("list --limit 20: the same output with the fast path off (ORDERCTL_FAST_ARGS=0)")
quick "list --limit 20, ORDERCTL_FAST_ARGS=0" "(FastPath's worth)" nofast "$ORDERCTL" --db "$base" list --limit 20 -- sqlite3 -batch "$base" "$list_sql"
quick "show REF" "<= 2.00 at 1M" "$ORDERCTL" --db "$base" show "$show_ref" -- sqlite3 -batch "$base" "$show_text"

# ------------------------------------------------------------------ stats
# The last 12 calendar months of the data, cut in the business zone. sqlite3 computes the
# same from the order lines (the plain SQL), with TZ set so that 'localtime' is that zone.
last_month=$(q "$base" "SELECT substr(max(placed_at), 1, 7) || '-01' FROM orders")
stats_from=$(q "$base" "SELECT date('$last_month', '-11 months')")
stats_to=$(q "$base" "SELECT date('$last_month', '+1 month', '-1 day')")
stats_args=(--from "$stats_from" --to "$stats_to")
period_sql="o.placed_at >= strftime('%Y-%m-%dT%H:%M:%SZ', '$stats_from', 'utc')
  AND o.placed_at < strftime('%Y-%m-%dT%H:%M:%SZ', '$stats_to', '+1 day', 'utc')"
stats_month_sql="SELECT strftime('%Y-%m', o.placed_at, 'localtime') AS month, o.currency, count(DISTINCT o.id),
       sum(iif(o.status <> 'cancelled', l.quantity, 0)), sum(iif(o.status <> 'cancelled', l.line_total, 0))
  FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE $period_sql GROUP BY 1, 2 ORDER BY 1, 2"
stats_customer_sql="SELECT o.customer_id, o.currency, sum(iif(o.status <> 'cancelled', l.line_total, 0)) AS gross
  FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE $period_sql GROUP BY 1, 2 ORDER BY gross DESC LIMIT 10"
stats_product_sql="SELECT p.sku, o.currency, sum(iif(o.status <> 'cancelled', l.line_total, 0)) AS gross
  FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id
  WHERE $period_sql GROUP BY l.product_id, 2 ORDER BY gross DESC LIMIT 10"
sq_zone() { TZ=$ZONE sqlite3 -batch "$@"; }
# Same figures: per month orders, units and gross; the top 10 customers' and products' gross.
# (Amounts in minor units: the CSV's decimals without the point.)
csv_cols() { python3 -c 'import csv, sys
cols = sys.argv[1].split(",")
for r in csv.DictReader(sys.stdin):
    print(",".join(str(int(r[c].replace(".", ""))) if c in ("orders", "units", "gross") else r[c] for c in cols))' "$1"; }
a=$("$ORDERCTL" --db "$base" stats --by month "${stats_args[@]}" --csv | csv_cols month,currency,orders,units,gross)
b=$(sq_zone "$base" "$stats_month_sql" | tr '|' ,)
[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b") | head -n 6 >&2; fail "stats --by month: orderctl (<) and the plain SQL (>) differ"; }
a=$("$ORDERCTL" --db "$base" stats --by customer "${stats_args[@]}" --csv | csv_cols gross | sort -n)
b=$(sq_zone "$base" "$stats_customer_sql" | cut -d'|' -f3 | sort -n)
[ "$a" = "$b" ] || fail "stats --by customer: the top 10 differ from the plain SQL's"
a=$("$ORDERCTL" --db "$base" stats --by product "${stats_args[@]}" --csv | csv_cols sku,gross)
b=$(sq_zone "$base" "$stats_product_sql" | awk -F'|' '{ print $1 "," $3 }')
[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b") | head -n 6 >&2; fail "stats --by product: the top 10 differ from the plain SQL's"; }
checks+=("stats $stats_from..$stats_to: per month orders, units and gross, and the top 10 customers' and products' gross, equal the plain SQL over the lines")
STATS_RUNS=${BENCH_STATS_RUNS:-5}
say "stats, $STATS_RUNS runs each ..."
stats_run() { "$ORDERCTL" --db "$base" stats --by "$1" "${stats_args[@]}" 2> /dev/null; }   # (no "Top 10 shown" note)
stats_case() { # name, --by, sql
  local -a to=() tsq=()
  for _ in $(seq 1 "$STATS_RUNS"); do
    timed stats_run "$2"; to+=("$took")
    timed sq_zone "$base" "$3"; tsq+=("$took")
  done
  record "$1" "$(median "${to[@]}")" "$(median "${tsq[@]}")" "<= 0.25, <= 0.5 s" "$STATS_RUNS"
}
stats_case "stats --by month (12 months)" month "$stats_month_sql"
stats_case "stats --by customer (top 10)" customer "$stats_customer_sql"
stats_case "stats --by product (top 10)" product "$stats_product_sql"

# ------------------------------------------------------------------ add, ship
say "add and ship, $QUICK_RUNS runs each ..."
for side in orderctl sqlite3; do
  cp "$base" "$work/add-$side.db"; cp "$base" "$work/ship-$side.db"
  # Written to disk before the timed runs: the first commit's fsync would otherwise
  # pay for writing out the whole copy.
  sync "$work/add-$side.db" "$work/ship-$side.db"
done
writes() { # name, target, orderctl args (REF stands for the run's ref), --, sql function; refs on stdin
  local name=$1 target=$2; shift 2
  local -a oargs=() to=() tsq=() refs=()
  while [ "$1" != -- ]; do oargs+=("$1"); shift; done; local fn=$2 kind=$3
  mapfile -t refs
  local i=0 ref
  for ref in "${refs[@]}"; do
    local sql; sql=$($fn "$ref")
    timed "$ORDERCTL" --db "$work/$kind-orderctl.db" "${oargs[@]//REF/$ref}" || fail "$name: orderctl failed for $ref"
    [ "$i" -gt 0 ] && to+=("$took")
    timed sqlite3 -batch -bail "$work/$kind-sqlite3.db" "$sql" || fail "$name: sqlite3 failed for $ref"
    [ "$i" -gt 0 ] && tsq+=("$took")
    i=$((i + 1))
  done
  record "$name" "$(median "${to[@]}")" "$(median "${tsq[@]}")" "$target" "$QUICK_RUNS"
}
writes "add (2 lines, stock reserved)" "<= 2.00 at 1M" \
  add --customer "$add_email" --item "${add_skus[0]}:2" --item "${add_skus[1]}" --ref REF -- add_sql add \
  < <(seq 0 "$QUICK_RUNS" | sed 's/^/BENCH-ADD-/')
writes "ship REF (~$((ship_lines / need)) lines, stock moved)" "<= 2.00 at 1M" ship REF -- ship_sql ship \
  < <(printf '%s\n' "${ship_refs[@]}")

write_state() {
  q "$1" "SELECT (SELECT count(*) FROM orders) || ' orders, ' || (SELECT count(*) FROM order_lines) || ' lines, '
    || (SELECT count(*) FROM order_events) || ' events, ' || (SELECT count(*) FROM shipments) || ' shipments, '
    || (SELECT count(*) FROM shipment_lines) || ' shipment lines, ' || (SELECT count(*) FROM stock_moves) || ' stock moves; on hand '
    || (SELECT sum(on_hand) FROM products) || ', reserved ' || (SELECT sum(reserved) FROM products) || '; '
    || (SELECT group_concat(status || ' ' || n, ', ') FROM (SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status))"
}
for kind in add ship; do
  a=$(write_state "$work/$kind-orderctl.db"); b=$(write_state "$work/$kind-sqlite3.db")
  [ "$a" = "$b" ] || fail "$kind: after the runs orderctl's copy has $a; sqlite3's has $b"
done
a=$(q "$work/add-orderctl.db" "SELECT group_concat(ref || ':' || sku || ':' || quantity || ':' || unit_price || ':' || reserved, ' ') FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref LIKE 'BENCH-ADD-%'")
b=$(q "$work/add-sqlite3.db" "SELECT group_concat(ref || ':' || sku || ':' || quantity || ':' || unit_price || ':' || reserved, ' ') FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.ref LIKE 'BENCH-ADD-%'")
[ "$a" = "$b" ] || fail "add: the added lines differ"
checks+=("add: $need orders each side; afterwards both copies hold the same counts of orders, lines, events and stock")
checks+=("ship: $need orders each side; afterwards both copies hold the same shipments, stock moves, stock and statuses")

# ------------------------------------------------------------------ remind
# remind as cron runs it, the morning after the import: the first run (everything is
# new: written out up to 50 per rule, the rest counted, all recorded), a run later the
# same day (nothing new: silent), and the next morning (the cool-down over: all again).
say "remind, $STATS_RUNS runs of the silent case ..."
cp "$base" "$work/remind.db"; sync "$work/remind.db"
rnow=${END}T06:00:00Z
rnext=$(q "$base" "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '$rnow', '+1 day')")
remind_run() { ORDERCTL_NOW=$1 "$ORDERCTL" --db "$work/remind.db" remind; }
firing=$(ORDERCTL_NOW=$rnow "$ORDERCTL" --db "$work/remind.db" remind --peek --json --limit 0 | grep -c '"key"' || true)
out=$work/remind-first.txt; timed remind_run "$rnow"; first=$took
written=$(grep -c '^  [a-z-]*:' "$out" || true)
counted=$(grep -o '\.\.\. and [0-9]* more' "$out" | awk '{ s += $3 } END { print s + 0 }')
[ $((written + counted)) -eq "$firing" ] || fail "remind: $written written + $counted counted, but $firing reminders fire"
declare -a tr=()
out=$work/remind-again.txt
for _ in $(seq 1 "$STATS_RUNS"); do timed remind_run "$rnow"; tr+=("$took"); [ -s "$out" ] && fail "remind: a second run the same day printed something"; done
out=$work/remind-next.txt; timed remind_run "$rnext"; next=$took
[ -s "$out" ] || fail "remind: the next day's run printed nothing"
out=/dev/null
record_abs() { table+=("$1|$2|-|-|$3|$4"); }
record_abs "remind, first run ($firing fire)" "$(median "$first")" "<= 0.3 s" 1
record_abs "remind, again the same day (silent)" "$(median "${tr[@]}")" "<= 0.3 s" "$STATS_RUNS"
record_abs "remind, next day (all again)" "$(median "$next")" "<= 0.3 s" 1
checks+=("remind at $rnow: $firing reminders fire; the first run writes $written and counts $counted in its '... and N more' lines; a run later that day prints nothing; the next day's prints again")

# ------------------------------------------------------------------ backup, doctor, restore
# backup against sqlite3's .backup (orderctl also checks the copy: quick_check, foreign
# keys, the history chain); encrypted, to an age recipient; doctor against quick_check
# plus the plain SQL of its invariants (Tests/Bench/doctor.sql); restore against a copy
# of the file and quick_check.
say "backup, doctor, restore, $STATS_RUNS runs each ..."
cp "$base" "$work/safe.db"; sync "$work/safe.db"
declare -a sb_o=() sb_s=() se_o=() sd_o=() sd_s=() sf_o=() sf_s=() sr_o=() sr_s=()
recipient=""
if command -v age-keygen > /dev/null 2>&1; then
  age-keygen -o "$work/bench-key.txt" 2> /dev/null
  recipient=$(age-keygen -y "$work/bench-key.txt")
fi
for i in $(seq 1 "$STATS_RUNS"); do
  rm -f "$work/bk-o.db" "$work/bk-s.db" "$work/bk-o.db.age"
  timed "$ORDERCTL" --db "$work/safe.db" backup "$work/bk-o.db" || fail "backup failed"; sb_o+=("$took")
  timed sqlite3 "$work/safe.db" ".backup '$work/bk-s.db'" || fail "sqlite3 .backup failed"; sb_s+=("$took")
  if [ -n "$recipient" ]; then
    timed "$ORDERCTL" --db "$work/safe.db" backup --recipient "$recipient" "$work/bk-o.db.age" || fail "encrypted backup failed"; se_o+=("$took")
  fi
  timed "$ORDERCTL" --db "$work/safe.db" doctor || fail "doctor found something: $("$ORDERCTL" --db "$work/safe.db" doctor | tail -n 3)"; sd_o+=("$took")
  timed sqlite3 -batch "$work/safe.db" < "$root/Tests/Bench/doctor.sql" || fail "doctor.sql failed"; sd_s+=("$took")
  if [ "$i" -eq 1 ]; then
    # What the plain SQL found: quick_check's ok and a zero for every invariant.
    bad=$(sqlite3 -batch "$work/safe.db" < "$root/Tests/Bench/doctor.sql" | grep -v -x -e ok -e 0 -e 1073741824 || true)
    [ -z "$bad" ] || fail "doctor.sql: the plain SQL finds a problem doctor does not: $bad"
    timed "$ORDERCTL" --db "$work/safe.db" doctor --full || fail "doctor --full found something"; sf_o+=("$took")
    timed sqlite3 "$work/safe.db" "PRAGMA integrity_check" || fail "integrity_check failed"; sf_s+=("$took")
  fi
  cp "$base" "$work/target.db"; rm -f "$work/target.db".pre-restore-*; sync "$work/target.db"
  timed "$ORDERCTL" --db "$work/target.db" restore "$work/bk-o.db" || fail "restore failed"; sr_o+=("$took")
  rm -f "$work/plain-copy.db"
  timed sh -c "cp '$work/bk-s.db' '$work/plain-copy.db' && sqlite3 '$work/plain-copy.db' 'PRAGMA quick_check'" || fail "copy + quick_check failed"; sr_s+=("$took")
  sleep 1  # backup and restore name files by the second
done
[ "$(q "$work/bk-o.db" "SELECT count(*) FROM orders")" = "$(q "$base" "SELECT count(*) FROM orders")" ] || fail "backup: order counts differ"
[ "$(q "$work/target.db" "SELECT count(*) FROM orders")" = "$(q "$base" "SELECT count(*) FROM orders")" ] || fail "restore: order counts differ"
record "backup (checked copy)" "$(median "${sb_o[@]}")" "$(median "${sb_s[@]}")" "<= 1.20 at 1M" "$STATS_RUNS"
if [ -n "$recipient" ]; then
  record "backup --recipient (age)" "$(median "${se_o[@]}")" "$(median "${sb_s[@]}")" "<= 1.50 at 1M" "$STATS_RUNS"
fi
record "doctor" "$(median "${sd_o[@]}")" "$(median "${sd_s[@]}")" "<= 1.50 at 1M" "$STATS_RUNS"
record "doctor --full (vs integrity_check)" "$(median "${sf_o[@]}")" "$(median "${sf_s[@]}")" "(what it costs)" 1
record "restore (vs cp + quick_check)" "$(median "${sr_o[@]}")" "$(median "${sr_s[@]}")" "<= 1.50 at 1M" "$STATS_RUNS"
checks+=("backup, restore: the copies hold the same $(q "$base" "SELECT count(*) FROM orders") orders as the database; doctor and the plain SQL of its invariants find nothing wrong")

# ------------------------------------------------------------------ intake
# Tests/Bench/intake.py: sync of BENCH_SYNC_ORDERS (default 10000) orders from a test
# shop on loopback against `orderctl import` of the same orders; and webhooks from
# several senders into `orderctl serve` while a CLI loop adds orders (deliveries per
# second, latency, lost = 0). Its rows: the second column is import's time for the
# sync row, and - where nothing plain does the same work.
intake_out=$(python3 "$here/intake.py" "$ORDERCTL" "$work" "${BENCH_SYNC_ORDERS:-10000}" 4 500) || fail "the intake cases"
while IFS='|' read -r kind c o s t n; do
  case $kind in
    ROW) record "$c" "$o" "$s" "$t" "$n" ;;
    CHECK) checks+=("$c") ;;
  esac
done <<< "$intake_out"

# ------------------------------------------------------------------ report
echo "$ORDERS orders; median wall time of whole processes in seconds (process start included)"
printf '%-40s %11s %10s %7s  %-19s %4s\n' case orderctl sqlite3 ratio target runs
for row in "${table[@]}"; do
  IFS='|' read -r c o s r t n <<< "$row"
  printf '%-40s %11s %10s %7s  %-19s %4s\n' "$c" "$o" "$s" "$r" "$t" "$n"
done
printf '%-40s %11s %10s %7s  %-19s\n' "import peak RSS, MiB (max of runs)" \
  "$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')" "$(awk -v k="$speak" 'BEGIN { printf "%.1f", k / 1024 }')" "" "orderctl <= 64"
echo
echo "checks passed:"
printf '  %s\n' "${checks[@]}"
if [ "$IMPORT_RUNS" -lt "$RUNS" ]; then echo "note: the import case ran $IMPORT_RUNS time(s) only (BENCH_IMPORT_RUNS)"; fi
