#!/usr/bin/env python3
"""Seeded generator of realistic orders in orderctl's native CSV format (for `make bench`).

usage: gen.py ORDERS [--seed N] [--out FILE] [--end YYYY-MM-DD] [--lf]

One row per order line (1-5 lines, about 3 on average); the order-level columns
repeat on every line of an order and the lines of an order are consecutive. The same
ORDERS and seed give byte-identical output on any machine (only Python's own
`random.Random`, seeded, is used; no clock, no hash order).

What makes it realistic enough for a benchmark:
- products and customers are drawn with Zipf-like (power-law) popularity: a few
  best sellers and regulars, a long tail of once-only ones;
- two years of orders up to --end (default 2026-11-20), refs in time order, with a
  weekly rhythm (busy Sunday evenings and Mondays, quiet Saturdays), a daily rhythm,
  slow growth, a Black-Friday week and a December peak in both years;
- a status mix by age: old orders are mostly completed (paid) or delivered (unpaid, on
  invoice), a few cancelled (some of them paid and refunded), on hold or still shipped; the last two weeks hold the pending, confirmed and
  shipped ones; payment status, paid/shipped/delivered/cancelled times, carrier and
  tracking agree with the status;
- some customer and product names hold commas and double quotes, and some notes
  commas, quotes and embedded line breaks (LF and CRLF), so the CSV needs quoting;
- one currency (EUR) throughout: `orderctl init --currency EUR --country DE`.

Every row is valid for `orderctl import` (the bench checks that nothing is rejected).
Prints a one-line summary (rows, orders, customers, products used) on stderr.
"""
import bisect
import csv
import datetime as dt
import math
import random
import sys

HEADER = ("ref,ordered_at,customer_ref,customer_email,customer_name,country,sku,product_name,"
          "quantity,unit_price,currency,channel,shipping,status,payment_status,due,paid_at,"
          "shipped_at,delivered_at,cancelled_at,carrier,tracking,note").split(",")


def parse_args(argv):
    opts = {"seed": 42, "out": "-", "end": "2026-11-20", "lf": False}
    rest = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--seed", "--out", "--end"):
            opts[a[2:]] = argv[i + 1]
            i += 2
            continue
        if a == "--lf":
            opts["lf"] = True
        elif a in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        else:
            rest.append(a)
        i += 1
    if len(rest) != 1 or not rest[0].isdigit() or int(rest[0]) < 1:
        sys.exit("usage: gen.py ORDERS [--seed N] [--out FILE] [--end YYYY-MM-DD] [--lf]")
    return int(rest[0]), int(opts["seed"]), opts["out"], opts["end"], opts["lf"]


ORDERS, SEED, OUT, END, LF = parse_args(sys.argv[1:])
rng = random.Random(SEED)


def zipf_cum(n, s, q):
    """Cumulative weights of a Zipf-Mandelbrot popularity over n items: rank k has
    weight 1/(k+q)^s (rank 1 most popular; q flattens the very top)."""
    cum, total = [], 0.0
    for k in range(1, n + 1):
        total += 1.0 / (k + q) ** s
        cum.append(total)
    return cum


def pick(cum):
    return bisect.bisect_left(cum, rng.random() * cum[-1])


def weighted(pairs):
    """pairs: [(value, weight)] -> a picker function."""
    values = [v for v, _ in pairs]
    cum, t = [], 0.0
    for _, w in pairs:
        t += w
        cum.append(t)
    return lambda: values[bisect.bisect_left(cum, rng.random() * t)]


# ---------------------------------------------------------------- products
ADJ = ["Stoneware", "Linen", "Oak", "Walnut", "Enamel", "Copper", "Wool", "Cotton", "Glass", "Ceramic",
       "Brass", "Felt", "Cork", "Leather", "Bamboo", "Porcelain", "Slate", "Marble", "Recycled", "Hand-dyed"]
NOUN = ["mug", "tea towel", "cutting board", "bowl", "plate", "vase", "candle holder", "tote bag", "coaster set",
        "notebook", "pen tray", "planter", "apron", "blanket", "cushion cover", "lamp", "clock", "jar", "tray",
        "teapot", "spoon set", "bread bin", "soap dish", "key hook", "picture frame"]
COLOUR = ["white", "black", "sage", "ochre", "rust", "navy", "sand", "grey", "forest", "blush", "natural"]
SKU_PREFIX = ["MUG", "TWL", "BRD", "BWL", "PLT", "VAS", "CND", "TOT", "CST", "NTB", "PEN", "PLN", "APR", "BLK",
              "CSH", "LMP", "CLK", "JAR", "TRY", "TPT", "SPN", "BIN", "SOP", "KEY", "FRM"]
NPRODUCTS = 1500
products = []  # (sku, name, price in cents)
for i in range(NPRODUCTS):
    n = rng.randrange(len(NOUN))
    adj, colour = rng.choice(ADJ), rng.choice(COLOUR)
    name = f"{adj} {NOUN[n]}, {colour}" if rng.random() < 0.3 else f"{adj} {NOUN[n]} ({colour})"
    if rng.random() < 0.02:
        name = f'{adj} {NOUN[n]} "{colour.title()}" edition, signed'
    base = [900, 1450, 2490, 3900, 5900, 8900, 14900][min(6, int(rng.expovariate(0.9)))]
    price = max(150, base + rng.randrange(-400, 400) // 10 * 10)
    products.append((f"{SKU_PREFIX[n]}-{i + 1:04d}", name, price))
# popularity rank is independent of the catalog order
prod_rank = list(range(NPRODUCTS))
rng.shuffle(prod_rank)
prod_cum = zipf_cum(NPRODUCTS, 1.1, 8)

# ---------------------------------------------------------------- customers
FIRST = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Julia", "Karl", "Lea",
         "Lukas", "Marie", "Noah", "Olivia", "Paul", "Sophie", "Tim", "Zoe", "Chloé", "Émile", "Björn", "Søren",
         "José", "Zoë", "Giulia", "Hiroshi", "Fatima", "Tomasz", "Ingrid", "Mateo", "Aoife", "Priya", "Yusuf"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch",
        "Smith", "García", "Rossi", "Dubois", "Nowak", "Johansson", "O'Brien", "Kowalski", "Nguyen", "Østergaard",
        "van der Berg", "Papadopoulos", "Tanaka", "Lee", "Martin", "Jensen", "Silva", "Novák", "Horvat", "Byrne"]
FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ë": "e", "ø": "o",
                      "å": "a", "á": "a", "í": "i", "ó": "o", "ú": "u", "ç": "c", "'": "", " ": "",
                      "É": "e", "Ø": "o", "Ö": "oe", "Ü": "ue", "Ä": "ae"})
DOMAINS = weighted([("gmail.com", 30), ("web.de", 15), ("gmx.de", 14), ("outlook.com", 10), ("t-online.de", 8),
                    ("yahoo.com", 5), ("icloud.com", 6), ("posteo.de", 3), ("mailbox.org", 2), ("example.org", 7)])
COUNTRY = weighted([("DE", 70), ("AT", 8), ("CH", 5), ("NL", 4), ("FR", 3), ("BE", 2), ("DK", 2), ("SE", 1.5),
                    ("GB", 1.5), ("US", 1.5), ("IT", 1), ("PL", 0.5)])
COMPANY = ["Studio", "Café", "Atelier", "Hotel", "Buchhandlung", "Praxis"]

NCUSTOMERS = max(200, ORDERS * 2 // 5)
cust_cum = zipf_cum(NCUSTOMERS, 1.0, NCUSTOMERS / 400)
customers = {}  # index -> (ref, email, name, country); filled as customers first order


def customer(c):
    got = customers.get(c)
    if got:
        return got
    first, last = rng.choice(FIRST), rng.choice(LAST)
    r = rng.random()
    if r < 0.03:
        name = f"{last}, {first}"                              # comma
    elif r < 0.045:
        name = f'{first} "{first[:3]}" {last}'                 # quotes
    elif r < 0.06:
        name = f'{rng.choice(COMPANY)} "{last}", {first} {last}'  # both
    else:
        name = f"{first} {last}"
    local = f"{first}.{last}".lower().translate(FOLD)
    email = f"{local}{c + 1}@{DOMAINS()}"
    got = (f"C{c + 1:07d}", email, name, COUNTRY())
    customers[c] = got
    return got


# ---------------------------------------------------------------- time
end_day = dt.date.fromisoformat(END)
start_day = end_day - dt.timedelta(days=730)
DAYS = [start_day + dt.timedelta(days=d) for d in range(730)]
WEEKDAY = [1.25, 1.05, 1.0, 0.95, 0.9, 0.7, 1.15]  # Mon..Sun


def day_weight(day, i):
    w = WEEKDAY[day.weekday()] * (1.0 + 0.35 * i / 730)        # growth over two years
    if day.month == 12:
        w *= 2.6 if day.day <= 20 else (1.4 if day.day <= 23 else 0.6)  # December peak, then quiet
    elif day.month == 11 and day.day >= 22:
        w *= 1.9                                               # Black-Friday week
    elif day.month in (1, 2):
        w *= 0.8
    elif day.month in (7, 8):
        w *= 0.85
    return w


weights = [day_weight(d, i) for i, d in enumerate(DAYS)]
total_w = sum(weights)
per_day, acc, done = [], 0.0, 0
for w in weights:
    acc += w
    upto = round(ORDERS * acc / total_w)
    per_day.append(upto - done)
    done = upto
HOURS = [0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.8, 1.5, 2.2, 2.8, 3.0, 3.1,
         3.2, 3.0, 2.9, 2.9, 3.0, 3.2, 3.6, 4.2, 4.6, 4.2, 3.0, 1.4]
hour_cum = list(__import__("itertools").accumulate(HOURS))
EPOCH = dt.datetime(1970, 1, 1)
END_TS = (dt.datetime.combine(end_day, dt.time()) - EPOCH).total_seconds()


def iso(ts):
    """An instant, never after the end of the data (recent orders' later events)."""
    return (EPOCH + dt.timedelta(seconds=int(min(ts, END_TS)))).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- order fields
CHANNEL = weighted([("web", 68), ("etsy", 12), ("shop", 9), ("phone", 5), ("amazon", 6)])
CARRIER = weighted([("dhl", 55), ("dpd", 15), ("hermes", 12), ("gls", 10), ("ups", 8)])
OLD = weighted([("completed", 80), ("delivered", 8), ("cancelled", 5.5), ("shipped", 3), ("on_hold", 1.5),
                ("refunded", 2)])
RECENT = weighted([("pending", 24), ("confirmed", 20), ("shipped", 30), ("delivered", 10), ("completed", 9),
                   ("on_hold", 3), ("cancelled", 4)])
NOTES = ["gift wrap please", "leave at the door", "call before delivery", "fragile", "no invoice in the parcel",
         "birthday present", "second delivery attempt", "pick-up in the shop", "repeat order", "B2B invoice"]
NASTY = ["leave with neighbour, flat 3", 'customer said "ASAP"', "ring twice\nthen wait",
         'he wrote, "no plastic please"\r\nand thanked us', '"quoted" at the start', 'ends with a quote"',
         "commas, commas,, and more", 'gift message:\n"Happy birthday, Ann!"\n-- Ben',
         "invoice to: Studio Weber, Hauptstr. 5\r\n10115 Berlin"]


def tracking(carrier):
    if carrier == "ups":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(16))
    digits = {"dhl": 12, "dpd": 14, "hermes": 14, "gls": 11}[carrier]
    return str(rng.randrange(10 ** (digits - 1), 10 ** digits))


def status_of(age_days):
    s = OLD() if age_days > 14 else RECENT()
    if s == "refunded":  # paid, then cancelled and refunded
        return "cancelled", "refunded"
    # Never partially_paid or partially_refunded: the native format has no column for
    # how much, so orderctl would import those as unpaid / paid, with a warning.
    pay = {
        "completed": lambda: "paid",
        "delivered": lambda: "unpaid",   # on invoice: a paid delivered order is completed
        "shipped": lambda: "paid" if rng.random() < 0.85 else "unpaid",
        "confirmed": lambda: "paid" if rng.random() < 0.8 else "unpaid",
        "pending": lambda: "unpaid" if rng.random() < 0.75 else "paid",
        "on_hold": lambda: "unpaid",
        "cancelled": lambda: "unpaid",
    }[s]()
    return s, pay


LINES = weighted([(1, 15), (2, 20), (3, 30), (4, 20), (5, 15)])
QTY = weighted([(1, 62), (2, 22), (3, 7), (4, 3), (5, 2), (6, 1.5), (10, 1.5), (12, 0.5), (24, 0.3), (50, 0.2)])


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


# ---------------------------------------------------------------- write
out = sys.stdout if OUT == "-" else open(OUT, "w", encoding="utf-8", newline="")
if OUT == "-":
    sys.stdout.reconfigure(newline="")
w = csv.writer(out, lineterminator="\n" if LF else "\r\n")
w.writerow(HEADER)
rows = 0
number = 0
used_products = set()
for di, day in enumerate(DAYS):
    k = per_day[di]
    if not k:
        continue
    day_ts = (dt.datetime.combine(day, dt.time()) - EPOCH).total_seconds()
    stamps = sorted(day_ts + 3600 * bisect.bisect_left(hour_cum, rng.random() * hour_cum[-1]) + rng.randrange(3600)
                    for _ in range(k))
    for ts in stamps:
        number += 1
        ref = f"SO-{number:07d}"
        cref, email, name, country = customer(pick(cust_cum))
        age = (END_TS - ts) / 86400
        status, pay = status_of(age)
        shipping = "express" if rng.random() < 0.12 else "standard"
        due = ""
        if rng.random() < 0.3:
            due = (EPOCH + dt.timedelta(seconds=ts + 86400 * rng.choice([1, 2, 3, 5, 7, 7, 10, 14]))).strftime("%Y-%m-%d")
        paid_at = iso(ts + rng.randrange(60, 3 * 86400)) if pay != "unpaid" else ""
        if pay == "paid" and rng.random() < 0.8:
            paid_at = iso(ts + rng.randrange(5, 120))  # paid at checkout
        shipped_at = delivered_at = cancelled_at = carrier = track = ""
        if status in ("shipped", "delivered", "completed"):
            s = ts + rng.randrange(4 * 3600, (1 if shipping == "express" else 3) * 86400 + 4 * 3600)
            shipped_at = iso(s)
            if status != "shipped":
                delivered_at = iso(s + rng.randrange(18 * 3600, 5 * 86400))
            if rng.random() < 0.93:
                carrier = CARRIER()
                track = tracking(carrier)
        elif status == "cancelled":
            cancelled_at = iso(ts + rng.randrange(600, 2 * 86400))
        r = rng.random()
        note = rng.choice(NASTY) if r < 0.03 else (rng.choice(NOTES) if r < 0.15 else "")
        channel = CHANNEL()
        nlines = LINES()
        chosen = []
        while len(chosen) < nlines:
            p = prod_rank[pick(prod_cum)]
            if p not in chosen:
                chosen.append(p)
        for p in chosen:
            sku, pname, price = products[p]
            if rng.random() < 0.06:
                price = price * rng.choice([70, 80, 85, 90]) // 100  # discounted line
            used_products.add(p)
            w.writerow([ref, iso(ts), cref, email, name, country, sku, pname, QTY(), money(price), "EUR",
                        channel, shipping, status, pay, due, paid_at, shipped_at, delivered_at, cancelled_at,
                        carrier, track, note])
            rows += 1
out.flush()
if out is not sys.stdout:
    out.close()
print(f"gen.py: {rows} rows, {number} orders, {len(customers)} customers, {len(used_products)} products, "
      f"{DAYS[0]}..{DAYS[-1]}, seed {SEED}", file=sys.stderr)
