#!/usr/bin/env bash
# Turns the Olist data set (../shared/data/olist) into orderctl's native CSV, for the
# delivery-time backtest in BENCHMARKS.md:
#
#   bash Tests/Bench/olist.sh ../shared/data/olist > olist.csv
#
# One row per order and product (Olist lists each unit: they are counted), with the
# customer (customer_unique_id: the person), the state as region, the purchase,
# approval, carrier and delivery times (local Brazil time, no zone: import with
# --timezone America/Sao_Paulo), and the marketplace's estimated delivery date as due.
# The 8 orders Olist calls delivered without a delivery date come in as shipped; orders
# without items (unavailable ones) cannot be orders here and are left out.
set -euo pipefail
dir=${1:?usage: olist.sh OLIST_DIR}
db=$(mktemp /tmp/olist.XXXXXX.db)
trap 'rm -f "$db"' EXIT
sqlite3 -batch "$db" <<SQL
.mode csv
.import '$dir/olist_orders_dataset.csv' orders
.import '$dir/olist_order_items_dataset.csv' items
.import '$dir/olist_customers_dataset.csv' customers
.headers on
SELECT o.order_id AS ref,
       replace(o.order_purchase_timestamp, ' ', 'T') AS ordered_at,
       c.customer_unique_id AS customer_ref,
       'Olist customer ' || substr(c.customer_unique_id, 1, 8) AS customer_name,
       'BR' AS country,
       c.customer_state AS region,
       i.product_id AS sku,
       'Product ' || substr(i.product_id, 1, 8) AS product_name,
       count(*) AS quantity,
       i.price AS unit_price,
       'BRL' AS currency,
       'olist' AS channel,
       'standard' AS shipping,
       CASE o.order_status WHEN 'delivered' THEN iif(o.order_delivered_customer_date <> '', 'delivered', 'shipped')
            WHEN 'shipped' THEN 'shipped'
            WHEN 'canceled' THEN 'cancelled' WHEN 'unavailable' THEN 'cancelled'
            WHEN 'created' THEN 'pending' ELSE 'confirmed' END AS status,
       iif(o.order_approved_at <> '', 'paid', 'unpaid') AS payment_status,
       substr(o.order_estimated_delivery_date, 1, 10) AS due,
       nullif(replace(o.order_approved_at, ' ', 'T'), '') AS paid_at,
       iif(o.order_status IN ('delivered', 'shipped'), nullif(replace(o.order_delivered_carrier_date, ' ', 'T'), ''), NULL) AS shipped_at,
       iif(o.order_status = 'delivered', nullif(replace(o.order_delivered_customer_date, ' ', 'T'), ''), NULL) AS delivered_at
  FROM orders o JOIN customers c ON c.customer_id = o.customer_id JOIN items i ON i.order_id = o.order_id
 GROUP BY o.order_id, i.product_id, i.price
 ORDER BY o.order_purchase_timestamp, o.order_id, min(i.order_item_id);
SQL
