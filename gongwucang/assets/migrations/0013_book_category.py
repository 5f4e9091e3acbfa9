"""The book row carries its card's category, kept equal by the database.

The list sorted by original value walks the book's (value, card) index; filtered by category it
probed the card of every book row it passed to test the category. For the computers of a region
sorted by value, dearest first, that was ~10,000 probes before the 21st computer (cars, houses and
land come first): ~90 ms of the database per page; cheapest first, 550,000. With the category in
the book row, and an index (category, value, card) that gives the categories' value range, the walk
starts at their first card and tests the category in the book row, probing only the cards that
pass: 0.2 ms for the region's computers, 5–6 ms for the largest unit's (assets.selectors, "Sorted
by original value on PostgreSQL").

Triggers keep the copy exact whoever writes: a book row inserted without its category gets the
card's (PostgreSQL: before the row is stored; SQLite, whose triggers cannot change the row being
inserted: at once after it, in the same statement); a book row whose category is changed gets the
card's back; a card whose category changes passes it to its book row. The import and the
scale-data generator write the category themselves, so the insert trigger does not fire for them
(a million lookups; tests hold their copies equal). Existing rows are filled here.
"""

import django.db.models.deletion
from django.db import migrations, models

PG_FORWARD = [
    """
CREATE FUNCTION assets_book_category_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.category_id := (SELECT category_id FROM assets_asset WHERE id = NEW.asset_id);
    RETURN NEW;
END;
$$;
""",
    """
CREATE TRIGGER assets_book_category_fill BEFORE INSERT ON assets_assetbook
FOR EACH ROW WHEN (NEW.category_id IS NULL) EXECUTE FUNCTION assets_book_category_fill();
""",
    """
CREATE TRIGGER assets_book_category_keep BEFORE UPDATE OF category_id ON assets_assetbook
FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id)
EXECUTE FUNCTION assets_book_category_fill();
""",
    """
CREATE FUNCTION assets_book_category_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assets_assetbook SET category_id = NEW.category_id WHERE asset_id = NEW.id;
    RETURN NULL;
END;
$$;
""",
    """
CREATE TRIGGER assets_book_category_follow AFTER UPDATE OF category_id ON assets_asset
FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id)
EXECUTE FUNCTION assets_book_category_follow();
""",
    """
UPDATE assets_assetbook AS b SET category_id = a.category_id
FROM assets_asset AS a WHERE a.id = b.asset_id AND b.category_id IS DISTINCT FROM a.category_id;
""",
    # The planner judges the walk by the new column's statistics (until autovacuum analyses the
    # table it assumes a category filter keeps 2 % of rows, and chose a parallel walk twice as long).
    "ANALYZE assets_assetbook;",
    # No parallel scans of the book. Its (value, card) index is walked for a page of 21 cards, and
    # a parallel walk merges the workers' rows in order, so every worker walks until it has its
    # own share of the page: where the scope's cards lie together in the value order (a unit's
    # do), the workers walked 3–13 times the rows of one walk — the largest unit's computers
    # sorted by value 90–120 ms instead of 5–6 (the value range of assets.selectors made the walk
    # look short enough to split); a township clinic's cards 1.4 s (docs/architecture.md). Nothing
    # else reads the book by more than a few rows at a time.
    "ALTER TABLE assets_assetbook SET (parallel_workers = 0);",
]
PG_BACKWARD = [
    "ALTER TABLE assets_assetbook RESET (parallel_workers);",
    "DROP TRIGGER assets_book_category_follow ON assets_asset;",
    "DROP FUNCTION assets_book_category_follow();",
    "DROP TRIGGER assets_book_category_keep ON assets_assetbook;",
    "DROP TRIGGER assets_book_category_fill ON assets_assetbook;",
    "DROP FUNCTION assets_book_category_fill();",
]
SQLITE_FORWARD = [
    "CREATE TRIGGER assets_book_category_fill AFTER INSERT ON assets_assetbook WHEN NEW.category_id IS NULL "
    "BEGIN UPDATE assets_assetbook SET category_id = "
    "(SELECT category_id FROM assets_asset WHERE id = NEW.asset_id) WHERE asset_id = NEW.asset_id; END;",
    "CREATE TRIGGER assets_book_category_keep AFTER UPDATE OF category_id ON assets_assetbook "
    "WHEN NEW.category_id IS NOT (SELECT category_id FROM assets_asset WHERE id = NEW.asset_id) "
    "BEGIN UPDATE assets_assetbook SET category_id = "
    "(SELECT category_id FROM assets_asset WHERE id = NEW.asset_id) WHERE asset_id = NEW.asset_id; END;",
    "CREATE TRIGGER assets_book_category_follow AFTER UPDATE OF category_id ON assets_asset "
    "WHEN OLD.category_id IS NOT NEW.category_id "
    "BEGIN UPDATE assets_assetbook SET category_id = NEW.category_id WHERE asset_id = NEW.id; END;",
    "UPDATE assets_assetbook SET category_id = "
    "(SELECT category_id FROM assets_asset WHERE assets_asset.id = assets_assetbook.asset_id);",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER assets_book_category_follow;",
    "DROP TRIGGER assets_book_category_keep;",
    "DROP TRIGGER assets_book_category_fill;",
]


FORWARD = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}
BACKWARD = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}


def forward(apps, schema_editor):
    for statement in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    for statement in BACKWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0012_search_keys_collate_c"),
    ]

    operations = [
        migrations.AddField(
            model_name="assetbook",
            name="category",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="assets.category",
                verbose_name="资产分类",
            ),
        ),
        migrations.RunPython(forward, backward),  # filled before the index is built
        migrations.AddIndex(
            model_name="assetbook",
            index=models.Index(
                fields=["category", "original_value_fen", "asset"], name="assetbook_category_value"
            ),
        ),
    ]
