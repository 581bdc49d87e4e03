#!/usr/bin/env bash
# `make bench`: orderctl against the sqlite3 command-line tool doing the same work on
# the same data in the same run. Prints seconds and the ratio (orderctl / sqlite3).
set -euo pipefail

ORDERCTL=${ORDERCTL:?set ORDERCTL to the orderctl binary}
ORDERS=${BENCH_ORDERS:-100000}
RUNS=${BENCH_RUNS:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/bench.db"
export ORDERCTL_DB="$db" NO_COLOR=1

"$ORDERCTL" init --currency EUR --timezone Europe/Berlin --country DE > /dev/null
echo "seeding $ORDERS orders ..."
sqlite3 "$db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO products(sku, name, price, currency, track_stock, on_hand, created_at, updated_at)
SELECT 'SKU-' || i, 'Product ' || i, 100 + i * 37 % 9000, 'EUR', 1, 1000000, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO customers(name, email, country, created_at)
SELECT 'Customer ' || i, 'c' || i || '@example.com', CASE WHEN i % 7 = 0 THEN 'FR' ELSE 'DE' END, '2026-01-01T00:00:00Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ORDERS)
INSERT INTO orders(ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason, due_date,
                   placed_at, created_at, updated_at)
SELECT 'B' || i, 1 + i * 7919 % 5000, 'web', 'standard', 'EUR', 0, 1, 'standard', 'bench', NULL,
       strftime('%Y-%m-%dT%H:%M:%SZ', '2025-01-01', '+' || (i * 317 % 31536000) || ' seconds'),
       '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n;
INSERT INTO order_lines(order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source)
SELECT o.id, 1, p.id, p.sku, p.name, 1 + o.id % 3, p.price, (1 + o.id % 3) * p.price, 'catalog'
FROM orders o JOIN products p ON p.id = 1 + o.id % 200;
UPDATE orders SET total = (SELECT line_total FROM order_lines WHERE order_id = orders.id),
                  item_count = (SELECT quantity FROM order_lines WHERE order_id = orders.id);
COMMIT;
SQL

# The same question both ways: every order of 2025 with its customer, newest first, as CSV.
query="SELECT o.ref, o.placed_at, c.id, c.name, c.email, o.status, o.payment_status, o.fulfilment_status,
  o.channel, o.shipping, o.class, o.item_count, (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id),
  printf('%d.%02d', o.total / 100, o.total % 100), o.currency, o.due_date
  FROM orders o JOIN customers c ON c.id = o.customer_id
  WHERE o.placed_at >= '2024-12-31T23:00:00Z' AND o.placed_at < '2025-12-31T23:00:00Z'
  ORDER BY o.placed_at DESC, o.id DESC"

best() { # best wall time of $RUNS runs of a command, in seconds
  local best=999999 t s e
  for _ in $(seq 1 "$RUNS"); do
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l); if (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  echo "$best"
}

a=$("$ORDERCTL" list --since 2025-01-01 --until 2025-12-31 --csv | tail -n +2 | wc -l)
b=$(sqlite3 -csv "$db" "$query" | wc -l)
[ "$a" = "$b" ] || { echo "row counts differ: orderctl $a, sqlite3 $b" >&2; exit 1; }

t1=$(best "$ORDERCTL" list --since 2025-01-01 --until 2025-12-31 --csv)
t2=$(best sqlite3 -csv "$db" "$query")
printf '%-44s %8s %8s %7s\n' "task ($a rows, best of $RUNS)" orderctl sqlite3 ratio
printf '%-44s %8.3f %8.3f %7.2f\n' "list --csv, one year of orders" "$t1" "$t2" "$(echo "$t1 / $t2" | bc -l)"

t1=$(best "$ORDERCTL" list --customer c42@example.com --csv)
t2=$(best sqlite3 -csv "$db" "SELECT o.ref FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = 'c42@example.com' ORDER BY o.placed_at DESC")
printf '%-44s %8.3f %8.3f %7.2f\n' "list --customer (one customer's orders)" "$t1" "$t2" "$(echo "$t1 / $t2" | bc -l)"

t1=$(best "$ORDERCTL" add --customer c7@example.com --item SKU-5:2 --item SKU-9)
t2=$(best sqlite3 "$db" "BEGIN IMMEDIATE; INSERT INTO orders(ref, customer_id, channel, shipping, currency, total, item_count, class, class_reason, placed_at, created_at, updated_at) VALUES ('S' || abs(random()), 7, 'web', 'standard', 'EUR', 0, 1, 'standard', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'); COMMIT;")
printf '%-44s %8.3f %8.3f %7.2f\n' "add one order (one transaction)" "$t1" "$t2" "$(echo "$t1 / $t2" | bc -l)"
