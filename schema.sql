-- orderctl schema: the one schema humans edit.
--
-- The file is a list of numbered migration steps. On open, orderctl applies every
-- step whose number is above the database's PRAGMA user_version, each in its own
-- transaction, and then sets user_version to that step's number.
-- A step that has shipped is never edited: append a new "-- step N: ..." block.
--
-- Conventions: money is INTEGER minor units plus a currency code; instants are UTC
-- text 'YYYY-MM-DDTHH:MM:SSZ'; calendar dates (due dates) are 'YYYY-MM-DD' in the
-- business time zone.

-- step 1: initial schema

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email      TEXT COLLATE NOCASE UNIQUE,
    phone      TEXT,
    country    TEXT CHECK (country IS NULL OR (length(country) = 2 AND country = upper(country))),
    address    TEXT,
    note       TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX customers_name ON customers(name COLLATE NOCASE);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(sku) > 0),
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    price       INTEGER NOT NULL CHECK (price >= 0),
    currency    TEXT NOT NULL,
    track_stock INTEGER NOT NULL DEFAULT 0 CHECK (track_stock IN (0, 1)),
    on_hand     INTEGER NOT NULL DEFAULT 0,
    reserved    INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    reorder_at  INTEGER CHECK (reorder_at IS NULL OR reorder_at >= 0),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    -- The last line of defence against overselling: a tracked product can never
    -- reserve more than it has on hand, nor have negative stock.
    CHECK (track_stock = 0 OR (on_hand >= 0 AND reserved <= on_hand))
) STRICT;

-- Every change to a product's stock on hand, with the figure after it.
CREATE TABLE stock_moves (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    kind        TEXT NOT NULL,            -- initial, set, add, ...
    delta       INTEGER NOT NULL,
    on_hand     INTEGER NOT NULL,         -- after the move
    order_id    INTEGER REFERENCES orders(id),
    note        TEXT,
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX stock_moves_product ON stock_moves(product_id, id);

CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    ref               TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(ref) > 0),
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    status            TEXT NOT NULL DEFAULT 'pending',
    payment_status    TEXT NOT NULL DEFAULT 'unpaid',
    fulfilment_status TEXT NOT NULL DEFAULT 'unfulfilled',
    channel           TEXT NOT NULL,
    shipping          TEXT NOT NULL CHECK (shipping IN ('standard', 'express')),
    currency          TEXT NOT NULL,
    total             INTEGER NOT NULL CHECK (total >= 0),
    item_count        INTEGER NOT NULL CHECK (item_count > 0),
    class             TEXT NOT NULL,
    class_reason      TEXT NOT NULL,
    due_date          TEXT,
    note              TEXT,
    placed_at         TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;
CREATE INDEX orders_placed   ON orders(placed_at, id);
CREATE INDEX orders_customer ON orders(customer_id, placed_at);
CREATE INDEX orders_status   ON orders(status, placed_at);
CREATE INDEX orders_class    ON orders(class, placed_at);
CREATE INDEX orders_due      ON orders(due_date) WHERE due_date IS NOT NULL;

CREATE TABLE order_lines (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    line_no      INTEGER NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    sku          TEXT NOT NULL,            -- as the catalog had it when ordered
    name         TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    unit_price   INTEGER NOT NULL CHECK (unit_price >= 0),
    line_total   INTEGER NOT NULL CHECK (line_total = quantity * unit_price),
    price_source TEXT NOT NULL CHECK (price_source IN ('catalog', 'override')),
    reserved     INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    backordered  INTEGER NOT NULL DEFAULT 0 CHECK (backordered >= 0),
    shipped      INTEGER NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    UNIQUE (order_id, line_no),
    UNIQUE (order_id, product_id),
    CHECK (reserved + backordered + shipped <= quantity)
) STRICT;
CREATE INDEX order_lines_product ON order_lines(product_id);

-- Append-only history of every order.
CREATE TABLE order_events (
    id        INTEGER PRIMARY KEY,
    order_id  INTEGER NOT NULL REFERENCES orders(id),
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    detail    TEXT,
    UNIQUE (order_id, seq)
) STRICT;

CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;
CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
BEGIN SELECT RAISE(ABORT, 'order_events is append-only'); END;

-- step 2: lifecycle: payments, shipments, returns, flags, hash-chained history

ALTER TABLE orders ADD COLUMN paid_total     INTEGER NOT NULL DEFAULT 0 CHECK (paid_total >= 0);
ALTER TABLE orders ADD COLUMN refunded_total INTEGER NOT NULL DEFAULT 0 CHECK (refunded_total >= 0);
ALTER TABLE orders ADD COLUMN held_from      TEXT;      -- status to go back to on release
ALTER TABLE orders ADD COLUMN flag           TEXT;      -- an open exception, e.g. a failed delivery
ALTER TABLE orders ADD COLUMN closed_reason  TEXT;      -- why it was cancelled

ALTER TABLE order_lines ADD COLUMN returned  INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0);

-- Money in and out: payments and refunds, each a row.
CREATE TABLE payments (
    id        INTEGER PRIMARY KEY,
    order_id  INTEGER NOT NULL REFERENCES orders(id),
    kind      TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    amount    INTEGER NOT NULL CHECK (amount > 0),
    method    TEXT,
    reason    TEXT,
    at        TEXT NOT NULL
) STRICT;
CREATE INDEX payments_order ON payments(order_id);

CREATE TABLE shipments (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    carrier      TEXT,
    tracking     TEXT,
    shipped_at   TEXT NOT NULL,
    delivered_at TEXT
) STRICT;
CREATE INDEX shipments_order ON shipments(order_id);

CREATE TABLE shipment_lines (
    shipment_id   INTEGER NOT NULL REFERENCES shipments(id),
    order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, order_line_id)
) STRICT;

CREATE TABLE returns (
    id       INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    restock  INTEGER NOT NULL CHECK (restock IN (0, 1)),
    reason   TEXT,
    at       TEXT NOT NULL
) STRICT;
CREATE INDEX returns_order ON returns(order_id);

CREATE TABLE return_lines (
    return_id     INTEGER NOT NULL REFERENCES returns(id),
    order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (return_id, order_line_id)
) STRICT;

-- Every event carries SHA-256(previous event's hash + its own content): a chain over
-- the whole log, in id order, that `orderctl verify` walks. The hashes of events
-- written before this step are filled in by orderctl right after it.
ALTER TABLE order_events ADD COLUMN prev_hash TEXT;
ALTER TABLE order_events ADD COLUMN hash      TEXT;

CREATE INDEX orders_flag ON orders(placed_at) WHERE flag IS NOT NULL;

-- An order totalling nothing owes nothing.
UPDATE orders SET payment_status = 'paid' WHERE total = 0 AND payment_status = 'unpaid';

-- step 3: what stats reads: lead times kept with each order, and daily sums kept by triggers

-- Whole hours from the order to its first shipment, and from the first shipment to the
-- last delivery once every shipment has arrived; NULL until then. Kept by the triggers
-- on shipments below.
ALTER TABLE orders ADD COLUMN ship_hours     INTEGER;
ALTER TABLE orders ADD COLUMN delivery_hours INTEGER;

UPDATE orders SET
    ship_hours = (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(orders.placed_at)) / 3600
                    FROM shipments s WHERE s.order_id = orders.id),
    delivery_hours = (SELECT CASE WHEN count(*) > 0 AND count(*) = count(s.delivered_at)
                                  THEN (unixepoch(max(s.delivered_at)) - unixepoch(min(s.shipped_at))) / 3600 END
                        FROM shipments s WHERE s.order_id = orders.id);

CREATE TRIGGER shipments_lead_insert AFTER INSERT ON shipments
BEGIN
    UPDATE orders SET
        ship_hours = (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(orders.placed_at)) / 3600
                        FROM shipments s WHERE s.order_id = orders.id),
        delivery_hours = (SELECT CASE WHEN count(*) = count(s.delivered_at)
                                      THEN (unixepoch(max(s.delivered_at)) - unixepoch(min(s.shipped_at))) / 3600 END
                            FROM shipments s WHERE s.order_id = orders.id)
    WHERE id = NEW.order_id;
END;
CREATE TRIGGER shipments_lead_update AFTER UPDATE OF order_id, shipped_at, delivered_at ON shipments
BEGIN
    UPDATE orders SET
        ship_hours = (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(orders.placed_at)) / 3600
                        FROM shipments s WHERE s.order_id = orders.id),
        delivery_hours = (SELECT CASE WHEN count(*) > 0 AND count(*) = count(s.delivered_at)
                                      THEN (unixepoch(max(s.delivered_at)) - unixepoch(min(s.shipped_at))) / 3600 END
                            FROM shipments s WHERE s.order_id = orders.id)
    WHERE id IN (OLD.order_id, NEW.order_id);
END;
CREATE TRIGGER shipments_lead_delete AFTER DELETE ON shipments
BEGIN
    UPDATE orders SET
        ship_hours = (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(orders.placed_at)) / 3600
                        FROM shipments s WHERE s.order_id = orders.id),
        delivery_hours = (SELECT CASE WHEN count(*) > 0 AND count(*) = count(s.delivered_at)
                                      THEN (unixepoch(max(s.delivered_at)) - unixepoch(min(s.shipped_at))) / 3600 END
                            FROM shipments s WHERE s.order_id = orders.id)
    WHERE id = OLD.order_id;
END;
CREATE TRIGGER orders_lead_placed AFTER UPDATE OF placed_at ON orders WHEN OLD.placed_at IS NOT NEW.placed_at
BEGIN
    UPDATE orders SET ship_hours = (SELECT (unixepoch(min(s.shipped_at)) - unixepoch(NEW.placed_at)) / 3600
                                      FROM shipments s WHERE s.order_id = NEW.id)
    WHERE id = NEW.id;
END;

-- Everything stats reads to rank customers by net revenue, so that it never visits the rows.
CREATE INDEX orders_stats_customer ON orders(placed_at, customer_id, currency, status, total, refunded_total);

-- Sums per UTC day (of placed_at) and currency, the same figures stats computes from the
-- orders: a report adds up the whole UTC days inside each period and reads orders only
-- for the hours at its edges. "kept" means not cancelled.
CREATE TABLE stats_daily (
    day       TEXT NOT NULL,
    currency  TEXT NOT NULL,
    orders    INTEGER NOT NULL,    -- placed
    cancelled INTEGER NOT NULL,
    units     INTEGER NOT NULL,    -- item_count of kept orders
    gross     INTEGER NOT NULL,    -- total of kept orders
    refunds   INTEGER NOT NULL,    -- refunded_total of kept orders
    shipped   INTEGER NOT NULL,    -- kept orders with a shipped unit
    returned  INTEGER NOT NULL,    -- ... and with a returned unit
    PRIMARY KEY (day, currency)
) STRICT, WITHOUT ROWID;

-- How many kept orders took so many hours to ship ('ship') or to arrive ('delivery').
CREATE TABLE stats_daily_lead (
    day      TEXT NOT NULL,
    currency TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('ship', 'delivery')),
    hours    INTEGER NOT NULL,
    orders   INTEGER NOT NULL,
    PRIMARY KEY (day, currency, kind, hours)
) STRICT, WITHOUT ROWID;

-- Per product: its lines (one per order), units, value and returned value.
CREATE TABLE stats_daily_product (
    day            TEXT NOT NULL,
    currency       TEXT NOT NULL,
    product_id     INTEGER NOT NULL,
    lines          INTEGER NOT NULL,
    cancelled      INTEGER NOT NULL,
    units          INTEGER NOT NULL,   -- quantity, kept orders
    gross          INTEGER NOT NULL,   -- line_total, kept orders
    returned_value INTEGER NOT NULL,   -- returned * unit_price, kept orders
    shipped        INTEGER NOT NULL,   -- kept lines with a shipped unit
    returned       INTEGER NOT NULL,   -- ... and with a returned unit
    PRIMARY KEY (day, currency, product_id)
) STRICT, WITHOUT ROWID;

-- The same sums per UTC month, kept from the daily rows by the triggers below, so that
-- a year's report reads 12 rows per product rather than 365.
CREATE TABLE stats_monthly (
    month     TEXT NOT NULL,
    currency  TEXT NOT NULL,
    orders    INTEGER NOT NULL,
    cancelled INTEGER NOT NULL,
    units     INTEGER NOT NULL,
    gross     INTEGER NOT NULL,
    refunds   INTEGER NOT NULL,
    shipped   INTEGER NOT NULL,
    returned  INTEGER NOT NULL,
    PRIMARY KEY (month, currency)
) STRICT, WITHOUT ROWID;
CREATE TABLE stats_monthly_lead (
    month    TEXT NOT NULL,
    currency TEXT NOT NULL,
    kind     TEXT NOT NULL,
    hours    INTEGER NOT NULL,
    orders   INTEGER NOT NULL,
    PRIMARY KEY (month, currency, kind, hours)
) STRICT, WITHOUT ROWID;
CREATE TABLE stats_monthly_product (
    month          TEXT NOT NULL,
    currency       TEXT NOT NULL,
    product_id     INTEGER NOT NULL,
    lines          INTEGER NOT NULL,
    cancelled      INTEGER NOT NULL,
    units          INTEGER NOT NULL,
    gross          INTEGER NOT NULL,
    returned_value INTEGER NOT NULL,
    shipped        INTEGER NOT NULL,
    returned       INTEGER NOT NULL,
    PRIMARY KEY (month, currency, product_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER stats_daily_to_month_insert AFTER INSERT ON stats_daily
BEGIN
    INSERT INTO stats_monthly VALUES (substr(NEW.day, 1, 7), NEW.currency, NEW.orders, NEW.cancelled, NEW.units, NEW.gross,
            NEW.refunds, NEW.shipped, NEW.returned)
        ON CONFLICT (month, currency) DO UPDATE SET orders = orders + excluded.orders, cancelled = cancelled + excluded.cancelled,
            units = units + excluded.units, gross = gross + excluded.gross, refunds = refunds + excluded.refunds,
            shipped = shipped + excluded.shipped, returned = returned + excluded.returned;
END;
CREATE TRIGGER stats_daily_to_month_update AFTER UPDATE ON stats_daily
BEGIN
    UPDATE stats_monthly SET orders = orders + NEW.orders - OLD.orders, cancelled = cancelled + NEW.cancelled - OLD.cancelled,
            units = units + NEW.units - OLD.units, gross = gross + NEW.gross - OLD.gross, refunds = refunds + NEW.refunds - OLD.refunds,
            shipped = shipped + NEW.shipped - OLD.shipped, returned = returned + NEW.returned - OLD.returned
        WHERE month = substr(NEW.day, 1, 7) AND currency = NEW.currency;
END;
CREATE TRIGGER stats_daily_to_month_delete AFTER DELETE ON stats_daily
BEGIN
    UPDATE stats_monthly SET orders = orders - OLD.orders, cancelled = cancelled - OLD.cancelled, units = units - OLD.units,
            gross = gross - OLD.gross, refunds = refunds - OLD.refunds, shipped = shipped - OLD.shipped, returned = returned - OLD.returned
        WHERE month = substr(OLD.day, 1, 7) AND currency = OLD.currency;
END;
CREATE TRIGGER stats_daily_lead_to_month_insert AFTER INSERT ON stats_daily_lead
BEGIN
    INSERT INTO stats_monthly_lead VALUES (substr(NEW.day, 1, 7), NEW.currency, NEW.kind, NEW.hours, NEW.orders)
        ON CONFLICT (month, currency, kind, hours) DO UPDATE SET orders = orders + excluded.orders;
END;
CREATE TRIGGER stats_daily_lead_to_month_update AFTER UPDATE ON stats_daily_lead
BEGIN
    UPDATE stats_monthly_lead SET orders = orders + NEW.orders - OLD.orders
        WHERE month = substr(NEW.day, 1, 7) AND currency = NEW.currency AND kind = NEW.kind AND hours = NEW.hours;
END;
CREATE TRIGGER stats_daily_lead_to_month_delete AFTER DELETE ON stats_daily_lead
BEGIN
    UPDATE stats_monthly_lead SET orders = orders - OLD.orders
        WHERE month = substr(OLD.day, 1, 7) AND currency = OLD.currency AND kind = OLD.kind AND hours = OLD.hours;
END;
CREATE TRIGGER stats_daily_product_to_month_insert AFTER INSERT ON stats_daily_product
BEGIN
    INSERT INTO stats_monthly_product VALUES (substr(NEW.day, 1, 7), NEW.currency, NEW.product_id, NEW.lines, NEW.cancelled,
            NEW.units, NEW.gross, NEW.returned_value, NEW.shipped, NEW.returned)
        ON CONFLICT (month, currency, product_id) DO UPDATE SET lines = lines + excluded.lines,
            cancelled = cancelled + excluded.cancelled, units = units + excluded.units, gross = gross + excluded.gross,
            returned_value = returned_value + excluded.returned_value, shipped = shipped + excluded.shipped,
            returned = returned + excluded.returned;
END;
CREATE TRIGGER stats_daily_product_to_month_update AFTER UPDATE ON stats_daily_product
BEGIN
    UPDATE stats_monthly_product SET lines = lines + NEW.lines - OLD.lines, cancelled = cancelled + NEW.cancelled - OLD.cancelled,
            units = units + NEW.units - OLD.units, gross = gross + NEW.gross - OLD.gross,
            returned_value = returned_value + NEW.returned_value - OLD.returned_value,
            shipped = shipped + NEW.shipped - OLD.shipped, returned = returned + NEW.returned - OLD.returned
        WHERE month = substr(NEW.day, 1, 7) AND currency = NEW.currency AND product_id = NEW.product_id;
END;
CREATE TRIGGER stats_daily_product_to_month_delete AFTER DELETE ON stats_daily_product
BEGIN
    UPDATE stats_monthly_product SET lines = lines - OLD.lines, cancelled = cancelled - OLD.cancelled, units = units - OLD.units,
            gross = gross - OLD.gross, returned_value = returned_value - OLD.returned_value,
            shipped = shipped - OLD.shipped, returned = returned - OLD.returned
        WHERE month = substr(OLD.day, 1, 7) AND currency = OLD.currency AND product_id = OLD.product_id;
END;

INSERT INTO stats_daily
    SELECT substr(placed_at, 1, 10), currency, count(*), sum(status = 'cancelled'),
           sum(iif(status <> 'cancelled', item_count, 0)), sum(iif(status <> 'cancelled', total, 0)),
           sum(iif(status <> 'cancelled', refunded_total, 0)),
           sum(status <> 'cancelled' AND fulfilment_status <> 'unfulfilled'),
           sum(status <> 'cancelled' AND fulfilment_status IN ('partially_returned', 'returned'))
    FROM orders GROUP BY 1, 2;
INSERT INTO stats_daily_lead
    SELECT substr(placed_at, 1, 10), currency, 'ship', ship_hours, count(*) FROM orders
    WHERE status <> 'cancelled' AND ship_hours IS NOT NULL GROUP BY 1, 2, 4;
INSERT INTO stats_daily_lead
    SELECT substr(placed_at, 1, 10), currency, 'delivery', delivery_hours, count(*) FROM orders
    WHERE status <> 'cancelled' AND delivery_hours IS NOT NULL GROUP BY 1, 2, 4;
INSERT INTO stats_daily_product
    SELECT substr(o.placed_at, 1, 10), o.currency, l.product_id, count(*), sum(o.status = 'cancelled'),
           sum(iif(o.status <> 'cancelled', l.quantity, 0)), sum(iif(o.status <> 'cancelled', l.line_total, 0)),
           sum(iif(o.status <> 'cancelled', l.returned * l.unit_price, 0)),
           sum(o.status <> 'cancelled' AND l.shipped > 0), sum(o.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0)
    FROM order_lines l JOIN orders o ON o.id = l.order_id GROUP BY 1, 2, 3;

-- The triggers add an order's (a line's) share to its day's sums and take the old one off.
CREATE TRIGGER orders_stats_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO stats_daily VALUES (substr(NEW.placed_at, 1, 10), NEW.currency, 1, NEW.status = 'cancelled',
            iif(NEW.status <> 'cancelled', NEW.item_count, 0), iif(NEW.status <> 'cancelled', NEW.total, 0),
            iif(NEW.status <> 'cancelled', NEW.refunded_total, 0),
            NEW.status <> 'cancelled' AND NEW.fulfilment_status <> 'unfulfilled',
            NEW.status <> 'cancelled' AND NEW.fulfilment_status IN ('partially_returned', 'returned'))
        ON CONFLICT (day, currency) DO UPDATE SET orders = orders + excluded.orders, cancelled = cancelled + excluded.cancelled,
            units = units + excluded.units, gross = gross + excluded.gross, refunds = refunds + excluded.refunds,
            shipped = shipped + excluded.shipped, returned = returned + excluded.returned;
    INSERT INTO stats_daily_lead SELECT substr(NEW.placed_at, 1, 10), NEW.currency, 'ship', NEW.ship_hours, 1
        WHERE NEW.status <> 'cancelled' AND NEW.ship_hours IS NOT NULL
        ON CONFLICT (day, currency, kind, hours) DO UPDATE SET orders = orders + 1;
    INSERT INTO stats_daily_lead SELECT substr(NEW.placed_at, 1, 10), NEW.currency, 'delivery', NEW.delivery_hours, 1
        WHERE NEW.status <> 'cancelled' AND NEW.delivery_hours IS NOT NULL
        ON CONFLICT (day, currency, kind, hours) DO UPDATE SET orders = orders + 1;
END;

CREATE TRIGGER orders_stats_update AFTER UPDATE OF placed_at, currency, status, fulfilment_status, item_count, total,
        refunded_total, ship_hours, delivery_hours ON orders
    WHEN OLD.placed_at IS NOT NEW.placed_at OR OLD.currency IS NOT NEW.currency OR OLD.status IS NOT NEW.status
        OR OLD.fulfilment_status IS NOT NEW.fulfilment_status OR OLD.item_count IS NOT NEW.item_count
        OR OLD.total IS NOT NEW.total OR OLD.refunded_total IS NOT NEW.refunded_total
        OR OLD.ship_hours IS NOT NEW.ship_hours OR OLD.delivery_hours IS NOT NEW.delivery_hours
BEGIN
    UPDATE stats_daily SET orders = orders - 1, cancelled = cancelled - (OLD.status = 'cancelled'),
            units = units - iif(OLD.status <> 'cancelled', OLD.item_count, 0),
            gross = gross - iif(OLD.status <> 'cancelled', OLD.total, 0),
            refunds = refunds - iif(OLD.status <> 'cancelled', OLD.refunded_total, 0),
            shipped = shipped - (OLD.status <> 'cancelled' AND OLD.fulfilment_status <> 'unfulfilled'),
            returned = returned - (OLD.status <> 'cancelled' AND OLD.fulfilment_status IN ('partially_returned', 'returned'))
        WHERE day = substr(OLD.placed_at, 1, 10) AND currency = OLD.currency;
    INSERT INTO stats_daily VALUES (substr(NEW.placed_at, 1, 10), NEW.currency, 1, NEW.status = 'cancelled',
            iif(NEW.status <> 'cancelled', NEW.item_count, 0), iif(NEW.status <> 'cancelled', NEW.total, 0),
            iif(NEW.status <> 'cancelled', NEW.refunded_total, 0),
            NEW.status <> 'cancelled' AND NEW.fulfilment_status <> 'unfulfilled',
            NEW.status <> 'cancelled' AND NEW.fulfilment_status IN ('partially_returned', 'returned'))
        ON CONFLICT (day, currency) DO UPDATE SET orders = orders + excluded.orders, cancelled = cancelled + excluded.cancelled,
            units = units + excluded.units, gross = gross + excluded.gross, refunds = refunds + excluded.refunds,
            shipped = shipped + excluded.shipped, returned = returned + excluded.returned;
    UPDATE stats_daily_lead SET orders = orders - 1
        WHERE OLD.status <> 'cancelled' AND day = substr(OLD.placed_at, 1, 10) AND currency = OLD.currency
          AND ((kind = 'ship' AND hours = OLD.ship_hours) OR (kind = 'delivery' AND hours = OLD.delivery_hours));
    INSERT INTO stats_daily_lead SELECT substr(NEW.placed_at, 1, 10), NEW.currency, 'ship', NEW.ship_hours, 1
        WHERE NEW.status <> 'cancelled' AND NEW.ship_hours IS NOT NULL
        ON CONFLICT (day, currency, kind, hours) DO UPDATE SET orders = orders + 1;
    INSERT INTO stats_daily_lead SELECT substr(NEW.placed_at, 1, 10), NEW.currency, 'delivery', NEW.delivery_hours, 1
        WHERE NEW.status <> 'cancelled' AND NEW.delivery_hours IS NOT NULL
        ON CONFLICT (day, currency, kind, hours) DO UPDATE SET orders = orders + 1;
END;

-- An order's lines count by its day, currency and whether it was cancelled.
CREATE TRIGGER orders_stats_product AFTER UPDATE OF placed_at, currency, status ON orders
    WHEN substr(OLD.placed_at, 1, 10) IS NOT substr(NEW.placed_at, 1, 10) OR OLD.currency IS NOT NEW.currency
        OR (OLD.status = 'cancelled') IS NOT (NEW.status = 'cancelled')
BEGIN
    UPDATE stats_daily_product SET lines = lines - x.n, cancelled = cancelled - x.c, units = units - x.u,
            gross = gross - x.g, returned_value = returned_value - x.rv, shipped = shipped - x.s, returned = returned - x.r
        FROM (SELECT l.product_id AS p, count(*) AS n, sum(OLD.status = 'cancelled') AS c,
                     sum(iif(OLD.status <> 'cancelled', l.quantity, 0)) AS u,
                     sum(iif(OLD.status <> 'cancelled', l.line_total, 0)) AS g,
                     sum(iif(OLD.status <> 'cancelled', l.returned * l.unit_price, 0)) AS rv,
                     sum(OLD.status <> 'cancelled' AND l.shipped > 0) AS s,
                     sum(OLD.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0) AS r
              FROM order_lines l WHERE l.order_id = OLD.id GROUP BY l.product_id) AS x
        WHERE day = substr(OLD.placed_at, 1, 10) AND currency = OLD.currency AND product_id = x.p;
    INSERT INTO stats_daily_product
        SELECT substr(NEW.placed_at, 1, 10), NEW.currency, l.product_id, 1, NEW.status = 'cancelled',
               iif(NEW.status <> 'cancelled', l.quantity, 0), iif(NEW.status <> 'cancelled', l.line_total, 0),
               iif(NEW.status <> 'cancelled', l.returned * l.unit_price, 0),
               NEW.status <> 'cancelled' AND l.shipped > 0, NEW.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0
        FROM order_lines l WHERE l.order_id = NEW.id
        ON CONFLICT (day, currency, product_id) DO UPDATE SET lines = lines + excluded.lines,
            cancelled = cancelled + excluded.cancelled, units = units + excluded.units, gross = gross + excluded.gross,
            returned_value = returned_value + excluded.returned_value, shipped = shipped + excluded.shipped,
            returned = returned + excluded.returned;
END;

CREATE TRIGGER order_lines_stats_insert AFTER INSERT ON order_lines
BEGIN
    INSERT INTO stats_daily_product
        SELECT substr(o.placed_at, 1, 10), o.currency, NEW.product_id, 1, o.status = 'cancelled',
               iif(o.status <> 'cancelled', NEW.quantity, 0), iif(o.status <> 'cancelled', NEW.line_total, 0),
               iif(o.status <> 'cancelled', NEW.returned * NEW.unit_price, 0),
               o.status <> 'cancelled' AND NEW.shipped > 0, o.status <> 'cancelled' AND NEW.shipped > 0 AND NEW.returned > 0
        FROM orders o WHERE o.id = NEW.order_id
        ON CONFLICT (day, currency, product_id) DO UPDATE SET lines = lines + excluded.lines,
            cancelled = cancelled + excluded.cancelled, units = units + excluded.units, gross = gross + excluded.gross,
            returned_value = returned_value + excluded.returned_value, shipped = shipped + excluded.shipped,
            returned = returned + excluded.returned;
END;

CREATE TRIGGER order_lines_stats_update AFTER UPDATE OF order_id, product_id, quantity, unit_price, line_total, shipped, returned
        ON order_lines
BEGIN
    UPDATE stats_daily_product SET lines = lines - 1, cancelled = cancelled - (o.status = 'cancelled'),
            units = units - iif(o.status <> 'cancelled', OLD.quantity, 0),
            gross = gross - iif(o.status <> 'cancelled', OLD.line_total, 0),
            returned_value = returned_value - iif(o.status <> 'cancelled', OLD.returned * OLD.unit_price, 0),
            shipped = shipped - (o.status <> 'cancelled' AND OLD.shipped > 0),
            returned = returned - (o.status <> 'cancelled' AND OLD.shipped > 0 AND OLD.returned > 0)
        FROM (SELECT placed_at, currency, status FROM orders WHERE id = OLD.order_id) AS o
        WHERE day = substr(o.placed_at, 1, 10) AND stats_daily_product.currency = o.currency AND product_id = OLD.product_id;
    INSERT INTO stats_daily_product
        SELECT substr(o.placed_at, 1, 10), o.currency, NEW.product_id, 1, o.status = 'cancelled',
               iif(o.status <> 'cancelled', NEW.quantity, 0), iif(o.status <> 'cancelled', NEW.line_total, 0),
               iif(o.status <> 'cancelled', NEW.returned * NEW.unit_price, 0),
               o.status <> 'cancelled' AND NEW.shipped > 0, o.status <> 'cancelled' AND NEW.shipped > 0 AND NEW.returned > 0
        FROM orders o WHERE o.id = NEW.order_id
        ON CONFLICT (day, currency, product_id) DO UPDATE SET lines = lines + excluded.lines,
            cancelled = cancelled + excluded.cancelled, units = units + excluded.units, gross = gross + excluded.gross,
            returned_value = returned_value + excluded.returned_value, shipped = shipped + excluded.shipped,
            returned = returned + excluded.returned;
END;

CREATE TRIGGER order_lines_stats_delete AFTER DELETE ON order_lines
BEGIN
    UPDATE stats_daily_product SET lines = lines - 1, cancelled = cancelled - (o.status = 'cancelled'),
            units = units - iif(o.status <> 'cancelled', OLD.quantity, 0),
            gross = gross - iif(o.status <> 'cancelled', OLD.line_total, 0),
            returned_value = returned_value - iif(o.status <> 'cancelled', OLD.returned * OLD.unit_price, 0),
            shipped = shipped - (o.status <> 'cancelled' AND OLD.shipped > 0),
            returned = returned - (o.status <> 'cancelled' AND OLD.shipped > 0 AND OLD.returned > 0)
        FROM (SELECT placed_at, currency, status FROM orders WHERE id = OLD.order_id) AS o
        WHERE day = substr(o.placed_at, 1, 10) AND stats_daily_product.currency = o.currency AND product_id = OLD.product_id;
END;

-- step 4: reminders and predictions: rules, what was shown when, time in status, regions, restock plans

-- When the order entered its current status, and when it first left pending for a
-- status other than on hold or cancelled (its confirmation). Kept by the trigger on
-- order_events below, from the history itself.
ALTER TABLE orders ADD COLUMN status_at    TEXT;
ALTER TABLE orders ADD COLUMN confirmed_at TEXT;

-- The customer's state, province or region: deliveries inside one country differ by it.
ALTER TABLE customers ADD COLUMN region TEXT;

-- Restocking: days from ordering more to having it, the share of restock cycles that
-- should not run out (percent), and how many days of demand one restock should cover.
-- NULL means the shop-wide setting (reorder.lead-days, reorder.service-level, reorder.cover-days).
ALTER TABLE products ADD COLUMN lead_days     INTEGER CHECK (lead_days IS NULL OR lead_days BETWEEN 0 AND 3650);
ALTER TABLE products ADD COLUMN service_level INTEGER CHECK (service_level IS NULL OR service_level BETWEEN 50 AND 99);
ALTER TABLE products ADD COLUMN cover_days    INTEGER CHECK (cover_days IS NULL OR cover_days BETWEEN 1 AND 3650);

-- How long orders stayed in each status before they left it, in whole hours: what the
-- `stuck` rule's default limits (a percentile) are read from.
CREATE TABLE status_durations (
    status TEXT NOT NULL,
    hours  INTEGER NOT NULL,
    orders INTEGER NOT NULL,
    PRIMARY KEY (status, hours)
) STRICT, WITHOUT ROWID;

-- status_at, confirmed_at and status_durations of the orders already here are filled
-- from their history by orderctl right after this step (StatusTimes.fill; an import
-- fills its new orders the same way, in one pass instead of a trigger per event).

-- An import of new orders turns it off for its transaction (the settings row below) and
-- fills their status times in one pass instead.
CREATE TRIGGER order_events_status AFTER INSERT ON order_events
WHEN NEW.kind IN ('created', 'status') AND NOT EXISTS (SELECT 1 FROM settings WHERE key = 'import.status-times')
BEGIN
    INSERT INTO status_durations(status, hours, orders)
        SELECT NEW.old_value, max(0, (unixepoch(NEW.at) - unixepoch(o.status_at)) / 3600), 1
          FROM orders o WHERE o.id = NEW.order_id AND NEW.kind = 'status' AND NEW.old_value IS NOT NULL
                          AND o.status_at IS NOT NULL
        ON CONFLICT (status, hours) DO UPDATE SET orders = orders + 1;
    UPDATE orders SET status_at = NEW.at,
                      confirmed_at = coalesce(confirmed_at,
                          iif(NEW.kind = 'status' AND NEW.old_value = 'pending' AND NEW.new_value NOT IN ('on_hold', 'cancelled'),
                              NEW.at, NULL))
     WHERE id = NEW.order_id;
END;

-- What remind reads, each a small slice of the orders holding every column the rule
-- reads, so that remind never visits the order rows (names come later, for what it shows).
CREATE INDEX orders_open_due ON orders(due_date, status, ref, customer_id)
    WHERE due_date IS NOT NULL AND status IN ('pending', 'confirmed', 'processing', 'on_hold');
CREATE INDEX orders_in_status ON orders(status, status_at, ref, customer_id)
    WHERE status IN ('pending', 'confirmed', 'processing', 'on_hold', 'shipped');
CREATE INDEX orders_unpaid ON orders(confirmed_at, ref, customer_id, total, paid_total, currency, status)
    WHERE paid_total < total AND status NOT IN ('pending', 'cancelled');
-- Recent delivered orders with what a delivery-time prediction groups them by.
CREATE INDEX orders_delivered ON orders(placed_at, customer_id, shipping, ship_hours, delivery_hours)
    WHERE delivery_hours IS NOT NULL;
-- A product's daily sales, for its demand forecast (units included: the rows are not read).
CREATE INDEX stats_daily_product_by_product ON stats_daily_product(product_id, day, units);

-- The reminder rules remind evaluates. params is a JSON object of strings.
CREATE TABLE rules (
    name       TEXT PRIMARY KEY COLLATE NOCASE CHECK (length(name) > 0),
    kind       TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    builtin    INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;

INSERT INTO rules(name, kind, params, builtin, created_at) VALUES
    ('due-soon',      'due-soon',      '{"days":"2"}',  1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('overdue',       'overdue',       '{}',            1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('stuck',         'stuck',         '{}',            1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('unpaid',        'unpaid',        '{"days":"3"}',  1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('low-stock',     'low-stock',     '{}',            1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('stockout-soon', 'stockout-soon', '{}',            1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('flagged',       'flagged',       '{}',            1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- Each reminder shown, by its stable key (rule:subject): what the situation was then,
-- so that remind repeats it only when that changes or the cool-down has passed, and
-- until when the owner snoozed it.
CREATE TABLE reminder_log (
    key           TEXT PRIMARY KEY,
    situation     TEXT NOT NULL,
    shown_at      TEXT,
    snoozed_until TEXT
) STRICT, WITHOUT ROWID;

-- The last run of each rule whose reminders were all delivered: every reminder the rule
-- had due then counts as shown at `at` (`over` was its cool-down edge), so a run writes
-- only its new and changed reminders, not each repeated one.
CREATE TABLE reminder_runs (
    rule TEXT PRIMARY KEY COLLATE NOCASE,
    at   TEXT NOT NULL,
    over TEXT NOT NULL
) STRICT;

-- step 5: remind skips the log for reminders that were due, unchanged, at the rule's last run

-- The thresholds the run used, per query of the rule (a JSON object of arrays): a
-- reminder of an order that was already due under them, and has not changed since,
-- was shown or counted by that run and needs no entry in reminder_log. NULL when the
-- run cannot be used that way (another writer, such as an import, overlapped it).
ALTER TABLE reminder_runs ADD COLUMN args TEXT CHECK (args IS NULL OR json_valid(args));

-- The covering indexes of due-soon, overdue, stuck and unpaid also hold updated_at,
-- which tells whether an order changed since that run.
DROP INDEX orders_in_status;
CREATE INDEX orders_in_status ON orders(status, status_at, ref, customer_id, updated_at)
    WHERE status IN ('pending', 'confirmed', 'processing', 'on_hold', 'shipped');
DROP INDEX orders_open_due;
CREATE INDEX orders_open_due ON orders(due_date, status, ref, customer_id, updated_at)
    WHERE due_date IS NOT NULL AND status IN ('pending', 'confirmed', 'processing', 'on_hold');
DROP INDEX orders_unpaid;
CREATE INDEX orders_unpaid ON orders(confirmed_at, ref, customer_id, total, paid_total, currency, status, updated_at)
    WHERE paid_total < total AND status NOT IN ('pending', 'cancelled');

-- When a snooze began: a run while it lasted did not show the reminder. An ended or
-- cleared snooze keeps its start and end; a failed --exec delivery is a snooze through
-- its run.
ALTER TABLE reminder_log ADD COLUMN snoozed_at TEXT;

-- Snoozes, current and ended: what such a run must still look up. And the log by age,
-- for forgetting old entries without reading it all.
CREATE INDEX reminder_log_snoozed ON reminder_log(snoozed_until) WHERE snoozed_until IS NOT NULL;
CREATE INDEX reminder_log_shown ON reminder_log(shown_at);

-- step 6: corrections and imported customers: a customer's history, external references, the anonymous placeholder

-- What 'orderctl customer update' changed: one row per field, with the old and new value.
CREATE TABLE customer_events (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    at          TEXT NOT NULL,
    field       TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT
) STRICT;
CREATE INDEX customer_events_customer ON customer_events(customer_id, id);

-- The customer's id in the shop or file they came from (an import's customer_ref):
-- every --customer finds them by it (ext:17530, or 17530 when no customer has that id).
ALTER TABLE customers ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX customers_external_ref ON customers(external_ref) WHERE external_ref IS NOT NULL;

-- The one customer an import gives orders with no customer at all ("Imported
-- customer"): it is nobody, so rankings, RFM and repeat rates leave it out.
ALTER TABLE customers ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1));
UPDATE customers SET anonymous = 1 WHERE name = 'Imported customer' AND email IS NULL;
CREATE INDEX customers_anonymous ON customers(id) WHERE anonymous = 1;

-- step 7: one SKU on several lines of an order (price breaks), counted once per order

-- An order may hold one product on several lines, each at its own price (a wholesale
-- invoice bills 1 at 4.25 and 24 at 3.75; a shop discounts some units): the importer
-- keeps them as they are rather than refusing the order or averaging the price. So the
-- table is rebuilt without UNIQUE (order_id, product_id), as SQLite's ALTER TABLE
-- documentation describes: with legacy_alter_table on, renaming the old table leaves
-- the references of shipment_lines and return_lines, and the trigger bodies on other
-- tables, naming order_lines, which the new table then is. Its triggers are made again.
-- orderctl runs a step that turns legacy_alter_table on with foreign keys off (they
-- cannot change inside a transaction) and checks them all before it commits.
PRAGMA legacy_alter_table = ON;
ALTER TABLE order_lines RENAME TO order_lines_before_7;
CREATE TABLE order_lines (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    line_no      INTEGER NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    sku          TEXT NOT NULL,            -- as the catalog had it when ordered
    name         TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    unit_price   INTEGER NOT NULL CHECK (unit_price >= 0),
    line_total   INTEGER NOT NULL CHECK (line_total = quantity * unit_price),
    price_source TEXT NOT NULL CHECK (price_source IN ('catalog', 'override')),
    reserved     INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    backordered  INTEGER NOT NULL DEFAULT 0 CHECK (backordered >= 0),
    shipped      INTEGER NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    returned     INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0),
    UNIQUE (order_id, line_no),
    CHECK (reserved + backordered + shipped <= quantity)
) STRICT;
INSERT INTO order_lines(id, order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source,
                        reserved, backordered, shipped, returned)
    SELECT id, order_id, line_no, product_id, sku, name, quantity, unit_price, line_total, price_source,
           reserved, backordered, shipped, returned
    FROM order_lines_before_7 ORDER BY id;
DROP TABLE order_lines_before_7;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX order_lines_product ON order_lines(product_id);
-- What the unique constraint's index gave: an order's products, in order (stats products
-- reads its baskets from it, and the triggers below look a product up in its order).
CREATE INDEX order_lines_order_product ON order_lines(order_id, product_id);

-- stats_daily_product counts orders, not lines: `lines`, `cancelled`, `shipped` and
-- `returned` are orders holding the product (with a shipped unit, with a returned one),
-- so a line adds to them only when no other line of its order and product already did.
-- Units and values are sums and simply add up, line by line.
DROP TRIGGER orders_stats_product;
CREATE TRIGGER orders_stats_product AFTER UPDATE OF placed_at, currency, status ON orders
    WHEN substr(OLD.placed_at, 1, 10) IS NOT substr(NEW.placed_at, 1, 10) OR OLD.currency IS NOT NEW.currency
        OR (OLD.status = 'cancelled') IS NOT (NEW.status = 'cancelled')
BEGIN
    UPDATE stats_daily_product SET lines = lines - 1, cancelled = cancelled - x.c, units = units - x.u,
            gross = gross - x.g, returned_value = returned_value - x.rv, shipped = shipped - x.s, returned = returned - x.r
        FROM (SELECT l.product_id AS p, OLD.status = 'cancelled' AS c,
                     sum(iif(OLD.status <> 'cancelled', l.quantity, 0)) AS u,
                     sum(iif(OLD.status <> 'cancelled', l.line_total, 0)) AS g,
                     sum(iif(OLD.status <> 'cancelled', l.returned * l.unit_price, 0)) AS rv,
                     max(OLD.status <> 'cancelled' AND l.shipped > 0) AS s,
                     max(OLD.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0) AS r
              FROM order_lines l WHERE l.order_id = OLD.id GROUP BY l.product_id) AS x
        WHERE day = substr(OLD.placed_at, 1, 10) AND currency = OLD.currency AND product_id = x.p;
    INSERT INTO stats_daily_product
        SELECT substr(NEW.placed_at, 1, 10), NEW.currency, l.product_id, 1, NEW.status = 'cancelled',
               sum(iif(NEW.status <> 'cancelled', l.quantity, 0)), sum(iif(NEW.status <> 'cancelled', l.line_total, 0)),
               sum(iif(NEW.status <> 'cancelled', l.returned * l.unit_price, 0)),
               max(NEW.status <> 'cancelled' AND l.shipped > 0), max(NEW.status <> 'cancelled' AND l.shipped > 0 AND l.returned > 0)
        FROM order_lines l WHERE l.order_id = NEW.id GROUP BY l.product_id
        ON CONFLICT (day, currency, product_id) DO UPDATE SET lines = lines + excluded.lines,
            cancelled = cancelled + excluded.cancelled, units = units + excluded.units, gross = gross + excluded.gross,
            returned_value = returned_value + excluded.returned_value, shipped = shipped + excluded.shipped,
            returned = returned + excluded.returned;
END;

-- A line's part: its sums, and a 1 for each count its order and product reach only
-- through it (no other line of theirs is there, shipped, returned).
CREATE TRIGGER order_lines_stats_insert AFTER INSERT ON order_lines
BEGIN
    INSERT INTO stats_daily_product
        SELECT substr(o.placed_at, 1, 10), o.currency, NEW.product_id, NOT x.any, o.status = 'cancelled' AND NOT x.any,
               iif(o.status <> 'cancelled', NEW.quantity, 0), iif(o.status <> 'cancelled', NEW.line_total, 0),
               iif(o.status <> 'cancelled', NEW.returned * NEW.unit_price, 0),
               o.status <> 'cancelled' AND NEW.shipped > 0 AND NOT x.sh,
               o.status <> 'cancelled' AND NEW.shipped > 0 AND NEW.returned > 0 AND NOT x.rt
        FROM orders o,
             (SELECT count(*) > 0 AS any, coalesce(max(shipped > 0), 0) AS sh, coalesce(max(shipped > 0 AND returned > 0), 0) AS rt
                FROM order_lines WHERE order_id = NEW.order_id AND product_id = NEW.product_id AND id <> NEW.id) AS x
        WHERE o.id = NEW.order_id
        ON CONFLICT (day, currency, product_id) DO UPDATE SET lines = lines + excluded.lines,
            cancelled = cancelled + excluded.cancelled, units = units + excluded.units, gross = gross + excluded.gross,
            returned_value = returned_value + excluded.returned_value, shipped = shipped + excluded.shipped,
            returned = returned + excluded.returned;
END;

CREATE TRIGGER order_lines_stats_update AFTER UPDATE OF order_id, product_id, quantity, unit_price, line_total, shipped, returned
        ON order_lines
BEGIN
    UPDATE stats_daily_product SET lines = lines - (NOT x.any), cancelled = cancelled - (o.status = 'cancelled' AND NOT x.any),
            units = units - iif(o.status <> 'cancelled', OLD.quantity, 0),
            gross = gross - iif(o.status <> 'cancelled', OLD.line_total, 0),
            returned_value = returned_value - iif(o.status <> 'cancelled', OLD.returned * OLD.unit_price, 0),
            shipped = shipped - (o.status <> 'cancelled' AND OLD.shipped > 0 AND NOT x.sh),
            returned = returned - (o.status <> 'cancelled' AND OLD.shipped > 0 AND OLD.returned > 0 AND NOT x.rt)
        FROM (SELECT placed_at, currency, status FROM orders WHERE id = OLD.order_id) AS o,
             (SELECT count(*) > 0 AS any, coalesce(max(shipped > 0), 0) AS sh, coalesce(max(shipped > 0 AND returned > 0), 0) AS rt
                FROM order_lines WHERE order_id = OLD.order_id AND product_id = OLD.product_id AND id <> OLD.id) AS x
        WHERE day = substr(o.placed_at, 1, 10) AND stats_daily_product.currency = o.currency AND product_id = OLD.product_id;
    INSERT INTO stats_daily_product
        SELECT substr(o.placed_at, 1, 10), o.currency, NEW.product_id, NOT x.any, o.status = 'cancelled' AND NOT x.any,
               iif(o.status <> 'cancelled', NEW.quantity, 0), iif(o.status <> 'cancelled', NEW.line_total, 0),
               iif(o.status <> 'cancelled', NEW.returned * NEW.unit_price, 0),
               o.status <> 'cancelled' AND NEW.shipped > 0 AND NOT x.sh,
               o.status <> 'cancelled' AND NEW.shipped > 0 AND NEW.returned > 0 AND NOT x.rt
        FROM orders o,
             (SELECT count(*) > 0 AS any, coalesce(max(shipped > 0), 0) AS sh, coalesce(max(shipped > 0 AND returned > 0), 0) AS rt
                FROM order_lines WHERE order_id = NEW.order_id AND product_id = NEW.product_id AND id <> NEW.id) AS x
        WHERE o.id = NEW.order_id
        ON CONFLICT (day, currency, product_id) DO UPDATE SET lines = lines + excluded.lines,
            cancelled = cancelled + excluded.cancelled, units = units + excluded.units, gross = gross + excluded.gross,
            returned_value = returned_value + excluded.returned_value, shipped = shipped + excluded.shipped,
            returned = returned + excluded.returned;
END;

CREATE TRIGGER order_lines_stats_delete AFTER DELETE ON order_lines
BEGIN
    UPDATE stats_daily_product SET lines = lines - (NOT x.any), cancelled = cancelled - (o.status = 'cancelled' AND NOT x.any),
            units = units - iif(o.status <> 'cancelled', OLD.quantity, 0),
            gross = gross - iif(o.status <> 'cancelled', OLD.line_total, 0),
            returned_value = returned_value - iif(o.status <> 'cancelled', OLD.returned * OLD.unit_price, 0),
            shipped = shipped - (o.status <> 'cancelled' AND OLD.shipped > 0 AND NOT x.sh),
            returned = returned - (o.status <> 'cancelled' AND OLD.shipped > 0 AND OLD.returned > 0 AND NOT x.rt)
        FROM (SELECT placed_at, currency, status FROM orders WHERE id = OLD.order_id) AS o,
             (SELECT count(*) > 0 AS any, coalesce(max(shipped > 0), 0) AS sh, coalesce(max(shipped > 0 AND returned > 0), 0) AS rt
                FROM order_lines WHERE order_id = OLD.order_id AND product_id = OLD.product_id AND id <> OLD.id) AS x
        WHERE day = substr(o.placed_at, 1, 10) AND stats_daily_product.currency = o.currency AND product_id = OLD.product_id;
END;

-- step 8: the schema's own text, kept so that every open can check it cheaply

-- A flipped byte in the schema's text can leave SQL that still parses, such as a
-- partial index's WHERE naming another status: SQLite's checks pass, and queries
-- through that index silently miss rows. orderctl keeps here the text of every table,
-- index, trigger and view it made, as SQLite stored it, and compares the two each time
-- it opens the file (one small query); `doctor` also compares them with the schema
-- built into orderctl. Objects of one's own (an index added with sqlite3) are not
-- listed, so they are never mistaken for damage.
CREATE TABLE schema_objects (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('table', 'index', 'trigger', 'view')),
    sql  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- step 9: shops that orders arrive from by themselves, and where each order came from

-- A shop on Shopify or WooCommerce that `sync` reads and `serve` takes deliveries for
-- (`orderctl shop add`). Its name is the channel of its orders. Its secrets stay in
-- their files: `credentials` holds only where they are (a JSON object: `token_file`,
-- `key_file`, `secret_file`, `webhook_secret_file`, ... as absolute paths), so a backup
-- or an export never carries a token. The platform is checked by orderctl, so that
-- another platform needs no new table. A removed shop keeps its row (`removed_at`):
-- its orders stay linked, and adding it again takes up where it stopped.
CREATE TABLE shops (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) > 0),
    platform    TEXT NOT NULL,
    address     TEXT NOT NULL,                -- STORE.myshopify.com, or the site's URL
    api_url     TEXT,                         -- another base address: a proxy, a test server
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    credentials TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(credentials)),
    cursor      TEXT,                         -- the platform's modification time sync has read up to
    synced_at   TEXT,                         -- the last sync that succeeded
    sync_error  TEXT,                         -- the last sync's failure; cleared by one that succeeds
    added_at    TEXT NOT NULL,
    removed_at  TEXT
) STRICT;
CREATE UNIQUE INDEX shops_address ON shops(platform, address);

-- Which order a platform order became: the key that makes a second delivery, or a
-- sync that reads the same order again, change nothing. `modified_at` is the
-- platform's time of the version applied (NULL when the platform sent none): an older
-- payload than it changes nothing. An order comes from one shop at most.
CREATE TABLE shop_orders (
    shop_id     INTEGER NOT NULL REFERENCES shops(id),
    platform_id TEXT NOT NULL CHECK (length(platform_id) > 0),
    order_id    INTEGER NOT NULL UNIQUE REFERENCES orders(id),
    modified_at TEXT,
    applied_at  TEXT NOT NULL,
    UNIQUE (shop_id, platform_id)
) STRICT;

-- What arrived and was not simply applied: a webhook delivery (`received`, kept with
-- its raw body until it is applied), and a platform order that could not be applied
-- (bad data: `failed`) or that orderctl will not force (lines changed after shipping,
-- another currency: `conflict`), for the owner (`orderctl inbox`). `dedupe_key` is
-- `event:` and the delivery's event id, else `order:` and the platform's order id and
-- modification time: the same delivery twice is kept once.
CREATE TABLE intake (
    id          INTEGER PRIMARY KEY,
    shop_id     INTEGER NOT NULL REFERENCES shops(id),
    via         TEXT NOT NULL CHECK (via IN ('sync', 'webhook')),
    dedupe_key  TEXT NOT NULL,
    topic       TEXT,
    platform_id TEXT,
    order_id    INTEGER REFERENCES orders(id),
    received_at TEXT NOT NULL,
    body        BLOB,                         -- the raw payload; NULL once applied
    state       TEXT NOT NULL CHECK (state IN ('received', 'applied', 'failed', 'conflict', 'dismissed')),
    error       TEXT,
    settled_at  TEXT,
    UNIQUE (shop_id, dedupe_key)
) STRICT;
CREATE INDEX intake_waiting ON intake(shop_id, received_at) WHERE state IN ('received', 'failed', 'conflict');

-- `remind` warns about intake trouble: a shop whose sync failed or has not succeeded
-- for 36 hours, and orders waiting in the inbox.
INSERT INTO rules(name, kind, params, builtin, created_at) VALUES
    ('shop-sync', 'shop-sync', '{}', 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('inbox',     'inbox',     '{}', 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
