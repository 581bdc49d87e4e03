-- `make bench`'s floor for `orderctl doctor`: SQLite's quick_check and the plain SQL of
-- the invariants doctor checks, each rebuild computed once and compared both ways
-- (EXCEPT), as one would write it by hand. Each SELECT prints a count of what is wrong.
PRAGMA mmap_size = 1073741824;
PRAGMA temp_store = MEMORY;
PRAGMA quick_check;
SELECT count(*) FROM pragma_foreign_key_check;
-- Stock on hand against its moves, reserved against the lines.
SELECT count(*) FROM products p
 LEFT JOIN (SELECT product_id, sum(delta) AS d FROM stock_moves GROUP BY product_id) m ON m.product_id = p.id
 LEFT JOIN (SELECT product_id, sum(reserved) AS r FROM order_lines WHERE reserved <> 0 GROUP BY product_id) l ON l.product_id = p.id
 WHERE p.on_hand <> coalesce(m.d, 0) OR p.reserved <> coalesce(l.r, 0);
-- Lines against shipments and returns.
SELECT count(*) FROM order_lines l
 LEFT JOIN (SELECT order_line_id, sum(quantity) AS q FROM shipment_lines GROUP BY order_line_id) s ON s.order_line_id = l.id
 LEFT JOIN (SELECT order_line_id, sum(quantity) AS q FROM return_lines GROUP BY order_line_id) r ON r.order_line_id = l.id
 WHERE l.shipped <> coalesce(s.q, 0) OR l.returned <> coalesce(r.q, 0) OR l.returned > l.shipped;
-- Each order's item count, total and statuses against its lines and payments.
SELECT count(*) FROM orders o
 LEFT JOIN (SELECT order_id, sum(quantity) AS q, sum(shipped) AS s, sum(returned) AS r, sum(line_total) AS t FROM order_lines GROUP BY order_id) x ON x.order_id = o.id
 WHERE o.item_count <> coalesce(x.q, 0) OR o.total <> coalesce(x.t, 0)
    OR o.payment_status <> CASE WHEN o.refunded_total > 0 THEN iif(o.refunded_total >= o.paid_total, 'refunded', 'partially_refunded')
                                WHEN o.paid_total = 0 THEN iif(o.total = 0, 'paid', 'unpaid')
                                WHEN o.paid_total >= o.total THEN 'paid' ELSE 'partially_paid' END
    OR o.fulfilment_status <> CASE WHEN coalesce(x.r, 0) > 0 THEN iif(x.r >= x.s AND x.s >= x.q, 'returned', 'partially_returned')
                                   WHEN coalesce(x.s, 0) = 0 THEN 'unfulfilled'
                                   WHEN x.s >= x.q THEN 'fulfilled' ELSE 'partial' END;
-- The summaries against a rebuild.
CREATE TEMP TABLE d AS SELECT substr(placed_at, 1, 10) AS day, currency, count(*) AS orders, sum(status = 'cancelled') AS cancelled,
       sum(iif(status <> 'cancelled', item_count, 0)) AS units, sum(iif(status <> 'cancelled', total, 0)) AS gross,
       sum(iif(status <> 'cancelled', refunded_total, 0)) AS refunds, sum(status <> 'cancelled' AND fulfilment_status <> 'unfulfilled') AS shipped,
       sum(status <> 'cancelled' AND fulfilment_status IN ('partially_returned', 'returned')) AS returned
  FROM orders GROUP BY 1, 2;
CREATE TEMP TABLE dl AS SELECT substr(placed_at, 1, 10) AS day, currency, 'ship' AS kind, ship_hours AS hours, count(*) AS orders FROM orders
  WHERE status <> 'cancelled' AND ship_hours IS NOT NULL GROUP BY 1, 2, 4
  UNION ALL SELECT substr(placed_at, 1, 10), currency, 'delivery', delivery_hours, count(*) FROM orders
  WHERE status <> 'cancelled' AND delivery_hours IS NOT NULL GROUP BY 1, 2, 4;
CREATE TEMP TABLE dp AS SELECT day, currency, product_id, count(*) AS lines, sum(c) AS cancelled, sum(u) AS units, sum(g) AS gross,
       sum(rv) AS returned_value, sum(s) AS shipped, sum(r) AS returned FROM (
    SELECT substr(o.placed_at, 1, 10) AS day, o.currency AS currency, l.product_id AS product_id, o.status = 'cancelled' AS c,
           sum(iif(o.status <> 'cancelled', l.quantity, 0)) AS u, sum(iif(o.status <> 'cancelled', l.line_total, 0)) AS g,
           sum(iif(o.status <> 'cancelled', l.returned * l.unit_price, 0)) AS rv,
           max(o.status <> 'cancelled' AND l.shipped > 0) AS s, max(o.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0) AS r
    FROM order_lines l JOIN orders o ON o.id = l.order_id GROUP BY l.order_id, l.product_id)
  GROUP BY 1, 2, 3;
SELECT (SELECT count(*) FROM (SELECT * FROM stats_daily WHERE orders <> 0 EXCEPT SELECT * FROM d)) + (SELECT count(*) FROM (SELECT * FROM d EXCEPT SELECT * FROM stats_daily));
SELECT (SELECT count(*) FROM (SELECT * FROM stats_daily_lead WHERE orders <> 0 EXCEPT SELECT * FROM dl)) + (SELECT count(*) FROM (SELECT * FROM dl EXCEPT SELECT * FROM stats_daily_lead));
SELECT (SELECT count(*) FROM (SELECT * FROM stats_daily_product WHERE lines <> 0 EXCEPT SELECT * FROM dp)) + (SELECT count(*) FROM (SELECT * FROM dp EXCEPT SELECT * FROM stats_daily_product));
CREATE TEMP TABLE mp AS SELECT substr(day, 1, 7) AS month, currency, product_id, sum(lines), sum(cancelled), sum(units), sum(gross),
       sum(returned_value), sum(shipped), sum(returned) FROM dp GROUP BY 1, 2, 3;
SELECT (SELECT count(*) FROM (SELECT * FROM stats_monthly_product WHERE lines <> 0 EXCEPT SELECT * FROM mp)) + (SELECT count(*) FROM (SELECT * FROM mp EXCEPT SELECT * FROM stats_monthly_product));
CREATE TEMP TABLE m AS SELECT substr(day, 1, 7) AS month, currency, sum(orders), sum(cancelled), sum(units), sum(gross), sum(refunds),
       sum(shipped), sum(returned) FROM d GROUP BY 1, 2;
SELECT (SELECT count(*) FROM (SELECT * FROM stats_monthly WHERE orders <> 0 EXCEPT SELECT * FROM m)) + (SELECT count(*) FROM (SELECT * FROM m EXCEPT SELECT * FROM stats_monthly));
CREATE TEMP TABLE ml AS SELECT substr(day, 1, 7) AS month, currency, kind, hours, sum(orders) FROM dl GROUP BY 1, 2, 3, 4;
SELECT (SELECT count(*) FROM (SELECT * FROM stats_monthly_lead WHERE orders <> 0 EXCEPT SELECT * FROM ml)) + (SELECT count(*) FROM (SELECT * FROM ml EXCEPT SELECT * FROM stats_monthly_lead));
-- Status and lead times against the history and the shipments.
SELECT count(*) FROM orders o
 WHERE o.status_at IS NOT coalesce((SELECT e.at FROM order_events e WHERE e.order_id = o.id AND e.kind IN ('created', 'status') ORDER BY e.seq DESC LIMIT 1), o.placed_at)
    OR o.confirmed_at IS NOT (SELECT e.at FROM order_events e WHERE e.order_id = o.id AND e.kind = 'status' AND e.old_value = 'pending'
                                 AND e.new_value NOT IN ('on_hold', 'cancelled') ORDER BY e.seq LIMIT 1)
    OR o.ship_hours IS NOT (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(o.placed_at)) / 3600 FROM shipments s WHERE s.order_id = o.id)
    OR o.delivery_hours IS NOT (SELECT CASE WHEN count(*) > 0 AND count(*) = count(s.delivered_at)
                                            THEN (unixepoch(max(s.delivered_at)) - unixepoch(min(s.shipped_at))) / 3600 END
                                  FROM shipments s WHERE s.order_id = o.id);
-- How long orders stayed in each status, against the history.
CREATE TEMP TABLE sd AS SELECT old_value AS status, hours, count(*) AS orders FROM (
    SELECT e.kind, e.old_value, max(0, (unixepoch(e.at) - unixepoch(lag(e.at) OVER (PARTITION BY e.order_id ORDER BY e.seq))) / 3600) AS hours
      FROM order_events e WHERE e.kind IN ('created', 'status'))
 WHERE kind = 'status' AND old_value IS NOT NULL AND hours IS NOT NULL GROUP BY 1, 2;
SELECT (SELECT count(*) FROM (SELECT * FROM status_durations WHERE orders <> 0 EXCEPT SELECT * FROM sd)) + (SELECT count(*) FROM (SELECT * FROM sd EXCEPT SELECT * FROM status_durations));
