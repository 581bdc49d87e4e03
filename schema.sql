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
