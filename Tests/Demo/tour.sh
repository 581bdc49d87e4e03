#!/usr/bin/env bash
# `make demo`: a fresh demo database with a few dozen realistic orders, and a short
# tour of the main commands. Needs only the built orderctl ($ORDERCTL).
set -euo pipefail

ORDERCTL=${ORDERCTL:-orderctl}
DEMO_DB=${DEMO_DB:-/tmp/orderctl-demo/orders.db}
export ORDERCTL_DB="$DEMO_DB"
mkdir -p "$(dirname "$DEMO_DB")"
rm -f "$DEMO_DB" "$DEMO_DB-wal" "$DEMO_DB-shm" "$DEMO_DB.lock" "$DEMO_DB".pre-restore-*
rm -rf "$(dirname "$DEMO_DB")/backups" "$(dirname "$DEMO_DB")/offsite" "$(dirname "$DEMO_DB")/from-age.db"

o() { "$ORDERCTL" "$@"; }
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
# Shows a command as one would type it, then runs it.
step() {
  local shown="" a
  for a in "$@"; do
    if [[ "$a" =~ [^A-Za-z0-9_./:@+=-] ]]; then shown+=" \"$a\""; else shown+=" $a"; fi
  done
  printf '\n%s$ orderctl%s%s\n' "$bold" "$shown" "$plain"
  "$ORDERCTL" "$@"
}
quiet() { "$ORDERCTL" "$@" > /dev/null; }

echo "Creating a demo database at $DEMO_DB ..."
quiet init --currency EUR --timezone Europe/Berlin --country DE

# The catalog of a small ceramics and textile shop.
while IFS='|' read -r sku name price stock reorder; do
  if [ -n "$stock" ]; then
    quiet product add "$sku" --name "$name" --price "$price" --stock "$stock" --reorder-at "$reorder"
  else
    quiet product add "$sku" --name "$name" --price "$price"
  fi
done <<'CATALOG'
MUG-01|Stoneware mug, sand|14.50|120|20
MUG-02|Stoneware mug, moss|14.50|80|20
BOWL-S|Breakfast bowl, small|18.00|60|10
BOWL-L|Serving bowl, large|42.00|25|5
PLATE-D|Dinner plate|24.00|90|15
VASE-T|Tall vase, hand thrown|79.00|12|3
TEA-SET|Tea set for two|129.00|8|2
APRON|Linen apron|36.00|40|8
TOWEL-2|Tea towels, set of 2|19.50|150|25
CANDLE|Soy candle in ceramic cup|22.00|4|5
GIFT-CARD|Gift card|50.00||
WORKSHOP|Pottery workshop seat|95.00||
CATALOG

# Customers: mostly local, some abroad.
while IFS='|' read -r name email country; do
  quiet customer add --name "$name" --email "$email" --country "$country"
done <<'CUSTOMERS'
Anna Schmidt|anna.schmidt@example.de|DE
Jonas Weber|jonas.weber@example.de|DE
Lea Fischer|lea.fischer@example.de|DE
Mehmet Yılmaz|mehmet.yilmaz@example.de|DE
Sophie Martin|sophie.martin@example.fr|FR
Lukas Becker|lukas.becker@example.de|DE
Emma de Vries|emma.devries@example.nl|NL
Café Kranich GmbH|einkauf@cafe-kranich.example|DE
Marta Kowalska|marta.kowalska@example.pl|PL
Noah Keller|noah.keller@example.ch|CH
Hannah Wagner|hannah.wagner@example.de|DE
Restaurant Fjord|orders@fjord.example.dk|DK
CUSTOMERS

# About three dozen orders over the past five weeks; a fixed seed keeps the demo the same.
RANDOM=7
customers=(anna.schmidt@example.de jonas.weber@example.de lea.fischer@example.de mehmet.yilmaz@example.de
  sophie.martin@example.fr lukas.becker@example.de emma.devries@example.nl marta.kowalska@example.pl
  noah.keller@example.ch hannah.wagner@example.de anna.schmidt@example.de lea.fischer@example.de)
skus=(MUG-01 MUG-02 BOWL-S BOWL-L PLATE-D VASE-T APRON TOWEL-2 GIFT-CARD MUG-01 TOWEL-2 PLATE-D)
channels=(web web web shop shop phone)
for i in $(seq 1 34); do
  days_ago=$(( 35 - i ))
  placed="$(date -d "-${days_ago} days" +%F)T$(printf '%02d:%02d' $(( 8 + RANDOM % 12 )) $(( RANDOM % 60 )))"
  args=(add --customer "${customers[RANDOM % ${#customers[@]}]}" --date "$placed"
        --channel "${channels[RANDOM % ${#channels[@]}]}")
  lines=$(( RANDOM % 3 + 1 ))
  for _ in $(seq 1 "$lines"); do
    args+=(--item "${skus[RANDOM % ${#skus[@]}]}:$(( RANDOM % 3 + 1 ))")
  done
  (( RANDOM % 5 == 0 )) && args+=(--shipping express)
  (( RANDOM % 3 == 0 )) && args+=(--due "$(date -d "$(( RANDOM % 10 + 1 - days_ago )) days" +%F)")
  quiet "${args[@]}"
done
# Two cafe and restaurant orders in bulk, one with a negotiated price.
quiet add --customer einkauf@cafe-kranich.example --item MUG-01:36@11.90 --item PLATE-D:24 --date "$(date -d "-12 days" +%F)T09:40" --channel phone --ref KRANICH-01
quiet add --customer orders@fjord.example.dk --item BOWL-S:30 --item PLATE-D:30 --due +10d --channel phone --note "Deliver to the back door"

# Move the older orders along their lifecycle, as the weeks would have.
carriers=(dhl dpd gls)
n=0
while IFS=, read -r ref placed; do
  n=$((n + 1))
  age=$(( ( $(date +%s) - $(date -d "$placed" +%s) ) / 86400 ))
  # Recorded when it happened (--at), so the history and the learned limits are true.
  if (( age >= 6 )); then quiet confirm "$ref" --at "$(date -d "$placed + 4 hours" +%FT%H:%M)"; fi
  if (( age >= 8 )); then quiet pay "$ref" --method "$( (( n % 3 )) && echo card || echo transfer)" --at "$(date -d "$placed + 1 day" +%FT%H:%M)"; fi
  if (( age >= 9 )); then
    case ${carriers[n % 3]} in
      dhl) tracking=$(printf '%010d' $(( 3000000000 + n * 7919 ))) ;;
      dpd) tracking=$(printf '%014d' $(( 1000000000 + n * 104729 ))) ;;
      gls) tracking=$(printf '%011d' $(( 5000000000 + n * 31337 ))) ;;
    esac
    quiet ship "$ref" --carrier "${carriers[n % 3]}" --tracking "$tracking" --at "$(date -d "$placed + 2 days" +%FT10:00)" || true
  fi
  if (( age >= 14 )); then quiet deliver "$ref" --at "$(date -d "$placed + 5 days" +%FT15:30)" || true; fi
done < <(o list --reverse --csv | tail -n +2 | tr -d '\r' | cut -d, -f1,2)
first_ref() { o list "$@" --limit 1 --csv | tail -n +2 | tr -d '\r' | cut -d, -f1; }
quiet cancel "$(first_ref --status confirmed)" --reason "customer ordered twice"
quiet flag "$(first_ref --status shipped)" --reason "parcel came back: address unknown"
returned=$(first_ref --status completed)
sku=$(o show "$returned" --json | sed -n 's/^      "sku": "\(.*\)",$/\1/p' | head -1)
quiet return "$returned" --item "$sku:1" --reason "chipped on arrival" --no-restock
quiet refund "$returned" --amount "$(o product show "$sku" --json | sed -n 's/^  "price": "\(.*\)",$/\1/p')" --reason "chipped on arrival"

echo "Done: $(o list --csv | tail -n +2 | wc -l | tr -d ' ') orders."

step list --limit 12
step add --customer lea.fischer@example.de --item TEA-SET --item CANDLE:2 --due tomorrow --note "Gift: please wrap"
ref=$(o list --limit 1 --csv | tail -n 1 | cut -d, -f1)
echo
echo "It moves along its lifecycle; each step is checked against the transition table:"
step ship "$ref" || true
step confirm "$ref"
step pay "$ref" --amount 100 --method card
step ship "$ref" --item TEA-SET --carrier dhll --tracking 1234567890 || true
step ship "$ref" --item TEA-SET --carrier dhl --tracking 1234567890
step ship "$ref" --item CANDLE:2
echo
echo "Honest mistakes can be corrected, and each correction is in the history:"
step shipment update "$ref" 1 --tracking 1234567891
step customer update lea.fischer@example.de --phone "+49 30 1234567"
step show "$ref"
step why "$ref"
step lsit || true
echo
echo "Stock is checked and reserved when an order comes in; too little is an error:"
step add --customer hannah.wagner@example.de --item CANDLE:10 || true
step add --customer hannah.wagner@example.de --item CANDLE:10 --backorder
step product list
step list --class international,express --limit 6
step list --overdue
step list --unpaid --limit 8
step list --flagged
step verify
step customer show anna.schmidt@example.de
step config list
step list --since -7d --json --limit 1
echo
echo "Orders from elsewhere come in with import: here a marketplace's CSV with its own columns."
market="$(dirname "$DEMO_DB")/marketplace.csv"
cat > "$market" <<'CSV'
Order;Item;Qty;Unit price;Placed;Buyer;Buyer email
MP-7001;MUG-01;2;14.50;03/11/2026 09:15;Ida Berg;ida.berg@example.se
MP-7001;PLATE-D;4;24.00;03/11/2026 09:15;Ida Berg;ida.berg@example.se
MP-7002;BOWL-S;1;18.00;04/11/2026 17:40;Tom Ruiz;tom.ruiz@example.es
MP-7003;MUG-02;1,000;14.50;05/11/2026 08:05;Ana Lima;ana.lima@example.pt
CSV
cols=(--delimiter ';' --map ref=Order --map sku=Item --map quantity=Qty --map unit_price="Unit price"
      --map ordered_at=Placed --map customer_name=Buyer --map customer_email="Buyer email" --date-format '%d/%m/%Y %H:%M')
step import "$market" "${cols[@]}" || true
step import "$market" "${cols[@]}" --skip-invalid --rejects "$market.rejects" || true
step import "$market" "${cols[@]}" --skip-invalid || true
step export --since 2026-11-01 --until 2026-11-05 --format jsonl
echo
echo "How the business is doing: by month (periods cut in the business time zone), channel and product."
step stats --by week --from -8w
step stats --by channel
step stats --by product --limit 5
step stats --by month --csv --totals
echo
echo "Every morning cron runs remind: what needs attention, and why. A second run the same day"
echo "prints nothing (cron mails only news); snooze quiets one reminder for a while."
step remind --limit 3
step remind
key=$(o remind --all --limit 1 | awk '/^  [a-z-]+:/ { print $1; exit }')
if [ -n "$key" ]; then step snooze "$key" --for 2d; fi
step rule show stuck
echo
echo "Predictions come from the shop's own history, and say so when it is too short:"
step predict "$ref"
step forecast MUG-01 --weeks 4
echo
echo "Orders from your shop: a WooCommerce shop (here the test shop on loopback that the"
echo "tests use, Tests/ShopServer/shop_server.py) synced from cron, and its webhooks."
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shopdir="$(dirname "$DEMO_DB")/shop"
rm -rf "$shopdir"; mkdir -p "$shopdir"
( umask 077; printf 'ck_demo0123456789\n' > "$shopdir/woo.key"; printf 'cs_demo0123456789\n' > "$shopdir/woo.secret"
  printf 'whsec_demo0123456789\n' > "$shopdir/woo.webhook" )
woo_order() { # id status modified first-name last-name email sku qty subtotal
  printf '{"id":%s,"number":"%s","status":"%s","currency":"EUR","date_created_gmt":"2026-11-20T09:00:00","date_modified_gmt":"%s","date_paid_gmt":%s,"date_completed_gmt":%s,"billing":{"first_name":"%s","last_name":"%s","email":"%s","country":"DE"},"shipping":{"country":"DE"},"line_items":[{"id":%s1,"name":"Greeting card","product_id":7,"variation_id":0,"quantity":%s,"subtotal":"%s","total":"%s","sku":"%s","price":0}],"shipping_lines":[{"method_title":"DHL","total":"4.90"}],"fee_lines":[],"coupon_lines":[],"refunds":[],"shipping_total":"4.90","total":"%s","total_tax":"0.00","discount_total":"0.00"}' \
    "$1" "$1" "$2" "$3" "$( [ "$2" = pending ] && echo null || echo '"2026-11-20T09:01:00"')" \
    "$( [ "$2" = completed ] && echo '"2026-11-21T10:00:00"' || echo null)" "$4" "$5" "$6" "$1" "$8" "$9" "$9" "$7" "$(awk -v g="$9" 'BEGIN { printf "%.2f", g + 4.90 }')"
}
shop_scenario() {
  printf '{"woocommerce":{"key":"ck_demo0123456789","secret":"cs_demo0123456789","orders":[%s]}}' "$1" \
    > "$shopdir/scenario.json.new" && mv "$shopdir/scenario.json.new" "$shopdir/scenario.json"
}
shop_scenario "$(woo_order 2001 processing 2026-11-20T09:05:00 Zoë Ünal zoe@example.de CARD 2 4.10),$(woo_order 2002 pending 2026-11-20T09:06:00 Lars Ek lars@example.se MUG-01 1 18.00)"
python3 "$here/../ShopServer/shop_server.py" "$shopdir" > "$shopdir/port" 2>/dev/null &
shop_pid=$!
trap 'kill $shop_pid 2>/dev/null || true; [ -n "${serve_pid:-}" ] && kill $serve_pid 2>/dev/null || true; true' EXIT
for _ in $(seq 100); do [ -s "$shopdir/port" ] && break; sleep 0.05; done
shop_port=$(head -1 "$shopdir/port")
step shop add woo --platform woocommerce --url https://shop.example --api-url "http://127.0.0.1:$shop_port" \
  --key-file "$shopdir/woo.key" --secret-file "$shopdir/woo.secret" --webhook-secret-file "$shopdir/woo.webhook"
step sync
echo "The shop ships 2001 and the customer of 2002 pays; the morning's sync moves both on,"
echo "and a second run changes nothing:"
shop_scenario "$(woo_order 2001 completed 2026-11-21T10:00:00 Zoë Ünal zoe@example.de CARD 2 4.10),$(woo_order 2002 processing 2026-11-21T10:05:00 Lars Ek lars@example.se MUG-01 1 18.00)"
step sync
step sync
step show 2001
echo
echo "Webhooks: orderctl serve takes the shop's signed deliveries (behind a TLS proxy in"
echo "real life) and applies each before answering 200; a wrong signature gets 401."
"$ORDERCTL" serve --listen 127.0.0.1:0 2> "$shopdir/serve.log" &
serve_pid=$!
for _ in $(seq 200); do grep -q 'listening on' "$shopdir/serve.log" 2>/dev/null && break; sleep 0.05; done
serve_port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$shopdir/serve.log" | grep -o '[0-9]*$')
deliver() { # topic body secret
  python3 - "$serve_port" "$1" "$2" "$3" <<'PY'
import base64, hashlib, hmac, sys, urllib.error, urllib.request
port, topic, body, secret = sys.argv[1], sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
sig = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
req = urllib.request.Request("http://127.0.0.1:%s/webhooks/woo" % port, data=body, method="POST",
                             headers={"Content-Type": "application/json", "X-WC-Webhook-Topic": topic,
                                      "X-WC-Webhook-Signature": sig})
try:
    with urllib.request.urlopen(req) as r:
        print("  POST /webhooks/woo (%s): %d %s" % (topic, r.status, r.read().decode().strip()))
except urllib.error.HTTPError as e:
    print("  POST /webhooks/woo (%s): %d %s" % (topic, e.code, e.read().decode().strip()))
PY
}
deliver order.created "$(woo_order 2003 processing 2026-11-22T08:00:00 Aiko Tanaka aiko@example.jp CARD 3 6.15)" whsec_demo0123456789
deliver order.created "$(woo_order 2003 processing 2026-11-22T08:00:00 Aiko Tanaka aiko@example.jp CARD 3 6.15)" whsec_demo0123456789
deliver order.created "$(woo_order 2004 processing 2026-11-22T08:01:00 Mallory X mallory@example.com CARD 9 18.45)" not-the-secret
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
serve_pid=""
echo "What serve logged (one line per request):"
sed 's/^/  /' "$shopdir/serve.log"
step show 2003
step shop show woo

echo
echo "Keeping the data safe: a checked backup (cron runs it every morning), doctor, and a"
echo "restore that keeps the file it replaces."
step backup --keep-daily 7 --keep-weekly 5
step doctor
backup_file=$(ls -t "$(dirname "$DEMO_DB")"/backups/*.db | head -1)
quiet add --customer anna.schmidt@example.de --item CANDLE --backorder --ref AFTER-BACKUP
step restore "$backup_file" --dry-run
step restore "$backup_file"
step show AFTER-BACKUP || true
if command -v age-keygen >/dev/null 2>&1; then
  key="$(dirname "$DEMO_DB")/demo-key.txt"
  rm -f "$key"
  age-keygen -o "$key" 2>/dev/null
  recipient=$(age-keygen -y "$key")
  # An encrypted backup to a second folder (a USB disk, a synced folder), read back by age itself.
  mkdir -p "$(dirname "$DEMO_DB")/offsite"
  step backup "$(dirname "$DEMO_DB")/offsite/" --recipient "$recipient"
  echo "age -d reads it back into a database orderctl opens:"
  age -d -i "$key" -o "$(dirname "$DEMO_DB")/from-age.db" "$(ls -t "$(dirname "$DEMO_DB")"/offsite/*.db.age | head -1)"
  o --db "$(dirname "$DEMO_DB")/from-age.db" list --limit 3
fi
echo
echo "The demo database stays at $DEMO_DB; try: ORDERCTL_DB=$DEMO_DB $ORDERCTL list --help"
