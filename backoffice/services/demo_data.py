"""Word lists for demo data (kept apart so demo.py reads as logic)."""

FIRST = (
    "Ada Alan Grace Linus Margaret Ken Barbara Dennis Frances Guido Radia Tim Katherine "
    "Edsger John Hedy Claude Donald Sophie Niklaus Anita Leslie Shafi Yukihiro Ruth"
).split()
LAST = (
    "Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Ritchie Allen Rossum Perlman "
    "Berners-Lee Johnson Dijkstra McCarthy Lamarr Shannon Knuth Wilson Wirth Borg Lamport"
).split()
CITIES = [
    ("Paris", "750"),
    ("Lyon", "690"),
    ("London", "SW1A "),
    ("Berlin", "101"),
    ("Madrid", "280"),
]
STREETS = "Rue de la Paix|High Street|Hauptstrasse|Calle Mayor|Avenue Foch|Baker Street".split("|")
CATEGORIES = "stationery electronics home toys garden kitchen music".split()
ADJECTIVES = "Classic Compact Deluxe Eco Ergonomic Heavy-duty Mini Smart Vintage Wireless".split()
NOUNS = (
    "Notebook Lamp Kettle Speaker Backpack Mug Pen Chair Clock Headphones Blender Puzzle".split()
)
GENRES = "fiction science history children poetry travel cookery crime".split()
TITLE_A = "The Silent|A Brief|The Last|Hidden|The Lost|Beyond the|The Quiet|Under the".split("|")
TITLE_B = "Garden River Algorithm Empire Machine Harbour Winter Library Compass Orchard".split()
PUBLISHERS = "Penguin Gallimard Faber Suhrkamp Anagrama Vintage Folio".split()
# Order statuses by weight, for orders older than two weeks (recent ones are still moving).
OLD_STATUSES = (
    ["delivered"] * 55 + ["shipped"] * 12 + ["paid"] * 10 + ["pending"] * 13 + ["cancelled"] * 10
)
RECENT_STATUSES = ["pending", "paid", "shipped", "cancelled"]
