-- The sqlite3 "floor" for `orderctl import` (read by Tests/Bench/bench.sh).
--
-- Runs in the sqlite3 command-line tool on a database made from schema.sql (the same
-- tables, indexes and triggers orderctl uses), in WAL mode with synchronous = FULL as
-- orderctl opens it, inside one transaction, right after
--     .import --csv --schema temp FILE staging
-- loaded the native-format CSV into a staging table. It then writes what orderctl's
-- import writes for the same file, with INSERT ... SELECT: customers, products (not
-- tracking stock), orders with their final status, totals and class, order lines,
-- payments and refunds, shipments with their lines, and the same history events (created,
-- classified, paid, payment, status steps, shipped, fulfilment, refunded) with a hash chain
-- over them (SHA3-256, the hash the sqlite3 tool has built in; orderctl uses SHA-256).
--
-- It validates nothing: every row is trusted, which is what makes it a floor. It
-- handles what the bench data holds (gen.py): payment_status paid, unpaid or refunded;
-- statuses pending, confirmed, on_hold, shipped, delivered, completed, cancelled.
-- Fixed assumptions of the bench data: shop country DE, the default class rules
-- (express within 2 days, high-value from 250.00, bulk from 20 units), and TZ set to
-- the shop's time zone so that date(..., 'localtime') gives the business day.

-- The first row of each order (it wins, as in orderctl), with the order's totals.
CREATE TEMP TABLE so AS
  SELECT s.rowid AS line, s.*, t.total, t.units,
         (s.payment_status IN ('paid', 'partially_refunded', 'refunded')
          OR (s.payment_status = '' AND (s.paid_at <> '' OR s.status = 'completed'))) AS paid,
         s.payment_status = 'refunded' AS refunded,
         max(s.cancelled_at, s.delivered_at, s.shipped_at, s.paid_at) AS refunded_at
  FROM (SELECT min(rowid) AS first,
               sum(CAST(quantity AS INTEGER) * CAST(round(unit_price * 100) AS INTEGER)) AS total,
               sum(CAST(quantity AS INTEGER)) AS units
        FROM temp.staging GROUP BY ref) AS t
  JOIN temp.staging AS s ON s.rowid = t.first
  ORDER BY t.first;

-- Customers, by email, in order of first appearance (bare columns come from the min row).
INSERT INTO customers (name, email, country, created_at)
  SELECT customer_name, customer_email, upper(nullif(country, '')), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
  FROM (SELECT customer_name, customer_email, country, min(line) AS first
        FROM temp.so GROUP BY customer_email COLLATE NOCASE)
  ORDER BY first;

-- Products, by SKU, priced as first seen, not tracking stock.
INSERT INTO products (sku, name, price, currency, track_stock, created_at, updated_at)
  SELECT sku, coalesce(nullif(product_name, ''), sku), CAST(round(unit_price * 100) AS INTEGER), currency, 0,
         strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
  FROM (SELECT sku, product_name, unit_price, currency, min(rowid) AS first
        FROM temp.staging GROUP BY sku COLLATE NOCASE)
  ORDER BY first;

-- Orders with their final status, payment and fulfilment, class and reason.
INSERT INTO orders (ref, customer_id, status, payment_status, fulfilment_status, channel, shipping, currency,
                    total, item_count, class, class_reason, due_date, note, placed_at, created_at, updated_at,
                    paid_total, refunded_total, closed_reason, held_from)
  SELECT so.ref, c.id, coalesce(nullif(lower(so.status), ''), 'pending'),
         CASE WHEN so.paid AND so.refunded AND so.total > 0 THEN 'refunded' WHEN so.paid OR so.total = 0 THEN 'paid' ELSE 'unpaid' END,
         CASE WHEN so.status IN ('shipped', 'delivered', 'completed') THEN 'fulfilled' ELSE 'unfulfilled' END,
         coalesce(nullif(lower(so.channel), ''), 'import'), coalesce(nullif(lower(so.shipping), ''), 'standard'),
         so.currency, so.total, so.units,
         CASE WHEN so.shipping = 'express' THEN 'express'
              WHEN so.due <> '' AND julianday(so.due) - julianday(date(so.ordered_at, 'localtime')) <= 2 THEN 'express'
              WHEN upper(so.country) <> 'DE' THEN 'international'
              WHEN so.total >= 25000 THEN 'high-value'
              WHEN so.units >= 20 THEN 'bulk'
              ELSE 'standard' END,
         CASE WHEN so.shipping = 'express' THEN 'rule express: express shipping'
              WHEN so.due <> '' AND julianday(so.due) - julianday(date(so.ordered_at, 'localtime')) <= 2
                THEN printf('rule express: due %s, %d day%s after the order date (limit 2)', so.due,
                            julianday(so.due) - julianday(date(so.ordered_at, 'localtime')),
                            CASE WHEN julianday(so.due) - julianday(date(so.ordered_at, 'localtime')) = 1 THEN '' ELSE 's' END)
              WHEN upper(so.country) <> 'DE' THEN printf('rule international: ships to %s, shop is in DE', upper(so.country))
              WHEN so.total >= 25000 THEN printf('rule high-value: total %d.%02d EUR >= 250.00 EUR', so.total / 100, so.total % 100)
              WHEN so.units >= 20 THEN printf('rule bulk: %d units >= 20', so.units)
              ELSE 'no rule matched (tried express, international, high-value, bulk)' END,
         nullif(so.due, ''), nullif(so.note, ''), so.ordered_at,
         strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
         CASE WHEN so.paid AND so.total > 0 THEN so.total ELSE 0 END,
         CASE WHEN so.paid AND so.refunded AND so.total > 0 THEN so.total ELSE 0 END,
         CASE WHEN so.status = 'cancelled' THEN 'imported as cancelled' END,
         CASE WHEN so.status = 'on_hold' THEN 'confirmed' END
  FROM temp.so JOIN customers AS c ON c.email = so.customer_email
  ORDER BY so.line;

-- Each order's id beside its first row, for the tables below.
CREATE TEMP TABLE oo AS
  SELECT o.id AS order_id, o.total AS total, o.class AS class, o.class_reason AS class_reason,
         o.paid_total > 0 AS paid, o.refunded_total > 0 AS refund, o.fulfilment_status = 'fulfilled' AS fulfilled, so.*
  FROM temp.so JOIN orders AS o ON o.ref = so.ref
  ORDER BY o.id;

-- Lines (historic: shipped when the order was, no reservation, no stock movement).
INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total,
                         price_source, shipped)
  SELECT o.id, row_number() OVER (PARTITION BY o.id ORDER BY s.r), p.id, p.sku, coalesce(nullif(s.product_name, ''), p.name),
         s.q, s.price, s.q * s.price, CASE WHEN s.price = p.price THEN 'catalog' ELSE 'override' END,
         CASE WHEN o.fulfilment_status = 'fulfilled' THEN s.q ELSE 0 END
  FROM (SELECT rowid AS r, ref, sku, product_name, CAST(quantity AS INTEGER) AS q,
               CAST(round(unit_price * 100) AS INTEGER) AS price FROM temp.staging) AS s
  JOIN orders AS o ON o.ref = s.ref
  JOIN products AS p ON p.sku = s.sku
  ORDER BY s.r;

INSERT INTO payments (order_id, kind, amount, method, reason, at)
  SELECT order_id, kind, total, method, reason, at FROM (
    SELECT order_id, 1 AS k, 'payment' AS kind, total, 'import' AS method, NULL AS reason,
           coalesce(nullif(paid_at, ''), ordered_at) AS at FROM temp.oo WHERE paid
    UNION ALL
    SELECT order_id, 2, 'refund', total, NULL, 'imported', coalesce(nullif(refunded_at, ''), ordered_at)
    FROM temp.oo WHERE refund)
  ORDER BY order_id, k;

INSERT INTO shipments (order_id, carrier, tracking, shipped_at, delivered_at)
  SELECT order_id, lower(nullif(carrier, '')), nullif(tracking, ''), coalesce(nullif(shipped_at, ''), ordered_at),
         CASE WHEN status <> 'shipped' THEN coalesce(nullif(delivered_at, ''), nullif(shipped_at, ''), ordered_at) END
  FROM temp.oo WHERE fulfilled ORDER BY order_id;

INSERT INTO shipment_lines (shipment_id, order_line_id, quantity)
  SELECT sh.id, l.id, l.quantity
  FROM shipments AS sh JOIN order_lines AS l ON l.order_id = sh.order_id
  ORDER BY sh.id, l.id;

-- The history, in the order orderctl writes it, numbered per order ...
CREATE TEMP TABLE ev (id INTEGER PRIMARY KEY, order_id INTEGER, seq INTEGER, at TEXT, kind TEXT,
                      old_value TEXT, new_value TEXT, detail TEXT);
INSERT INTO temp.ev (order_id, seq, at, kind, old_value, new_value, detail)
  SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY k), at, kind, old, new, detail FROM (
    SELECT order_id, 1 AS k, ordered_at AS at, 'created' AS kind, NULL AS old, 'pending' AS new,
           'imported from line ' || (line + 1) AS detail FROM temp.oo  -- the record's number, not its physical line
    UNION ALL SELECT order_id, 2, ordered_at, 'classified', NULL, class, class_reason FROM temp.oo
    UNION ALL SELECT order_id, 3, coalesce(nullif(paid_at, ''), ordered_at), 'paid', NULL,
                     printf('%d.%02d EUR', total / 100, total % 100), 'imported' FROM temp.oo WHERE paid
    UNION ALL SELECT order_id, 4, coalesce(nullif(paid_at, ''), ordered_at), 'payment', 'unpaid', 'paid', NULL
              FROM temp.oo WHERE paid
    UNION ALL SELECT order_id, 5, coalesce(nullif(cancelled_at, ''), ordered_at), 'status', 'pending', 'cancelled', 'imported'
              FROM temp.oo WHERE status = 'cancelled'
    UNION ALL SELECT order_id, 6, ordered_at, 'status', 'pending', 'confirmed', 'imported'
              FROM temp.oo WHERE status NOT IN ('pending', 'cancelled')
    UNION ALL SELECT order_id, 7, coalesce(nullif(shipped_at, ''), ordered_at), 'shipped', NULL, 'all lines', 'imported'
              FROM temp.oo WHERE fulfilled
    UNION ALL SELECT order_id, 8, coalesce(nullif(shipped_at, ''), ordered_at), 'status', 'confirmed', 'shipped', 'imported'
              FROM temp.oo WHERE fulfilled
    UNION ALL SELECT order_id, 9, coalesce(nullif(shipped_at, ''), ordered_at), 'fulfilment', 'unfulfilled', 'fulfilled', NULL
              FROM temp.oo WHERE fulfilled
    UNION ALL SELECT order_id, 10, coalesce(nullif(delivered_at, ''), nullif(shipped_at, ''), ordered_at), 'status',
                     'shipped', 'delivered', 'imported' FROM temp.oo WHERE status IN ('delivered', 'completed')
    UNION ALL SELECT order_id, 11, coalesce(nullif(delivered_at, ''), nullif(shipped_at, ''), ordered_at), 'status',
                     'delivered', 'completed', 'imported' FROM temp.oo WHERE status = 'completed'
    UNION ALL SELECT order_id, 12, ordered_at, 'status', 'confirmed', status, 'imported'
              FROM temp.oo WHERE status = 'on_hold'
    UNION ALL SELECT order_id, 13, coalesce(nullif(refunded_at, ''), ordered_at), 'refunded', NULL,
                     printf('%d.%02d EUR', total / 100, total % 100), 'imported' FROM temp.oo WHERE refund
    UNION ALL SELECT order_id, 14, coalesce(nullif(refunded_at, ''), ordered_at), 'payment', 'paid', 'refunded', NULL
              FROM temp.oo WHERE refund
  ) ORDER BY order_id, k;

-- ... and chained: each event's hash covers the previous event's hash and its own fields.
-- As orderctl's import does, the status trigger is off while they go in (the settings
-- row it checks), and the status times are filled in one pass afterwards (StatusTimes.fill).
INSERT INTO settings (key, value) VALUES ('import.status-times', 'deferred');
INSERT INTO order_events (id, order_id, seq, at, kind, old_value, new_value, detail, prev_hash, hash)
  WITH RECURSIVE chain (id, order_id, seq, at, kind, old_value, new_value, detail, prev, hash) AS (
    SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ''
    UNION ALL
    SELECT e.id, e.order_id, e.seq, e.at, e.kind, e.old_value, e.new_value, e.detail, chain.hash,
           lower(hex(sha3(chain.hash || char(31) || e.id || char(31) || e.order_id || char(31) || e.seq || char(31)
                          || e.at || char(31) || e.kind || char(31) || coalesce(e.old_value, '') || char(31)
                          || coalesce(e.new_value, '') || char(31) || coalesce(e.detail, ''), 256)))
    FROM chain JOIN temp.ev AS e ON e.id = chain.id + 1
  )
  SELECT id, order_id, seq, at, kind, old_value, new_value, detail, prev, hash FROM chain WHERE id > 0;

INSERT OR REPLACE INTO settings (key, value)
  SELECT 'history.head', id || ':' || hash FROM order_events ORDER BY id DESC LIMIT 1;

-- Status times from the history, for the new orders (the same statements as StatusTimes.fill).
UPDATE orders SET
    status_at = coalesce((SELECT e.at FROM order_events e
                           WHERE e.order_id = orders.id AND e.kind IN ('created', 'status') ORDER BY e.seq DESC LIMIT 1),
                         placed_at),
    confirmed_at = (SELECT e.at FROM order_events e
                     WHERE e.order_id = orders.id AND e.kind = 'status' AND e.old_value = 'pending'
                       AND e.new_value NOT IN ('on_hold', 'cancelled') ORDER BY e.seq LIMIT 1);
INSERT INTO status_durations(status, hours, orders)
    SELECT old_value, hours, count(*) FROM (
        SELECT e.kind, e.old_value,
               max(0, (unixepoch(e.at) - unixepoch(lag(e.at) OVER (PARTITION BY e.order_id ORDER BY e.seq))) / 3600) AS hours
          FROM order_events e WHERE e.kind IN ('created', 'status'))
     WHERE kind = 'status' AND old_value IS NOT NULL AND hours IS NOT NULL
     GROUP BY 1, 2
ON CONFLICT (status, hours) DO UPDATE SET orders = orders + excluded.orders;
DELETE FROM settings WHERE key = 'import.status-times';
