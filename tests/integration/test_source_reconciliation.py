"""The source system uploads its balance file, with differences planted on purpose, and the reconciliation
shows exactly those: the ones Fieldloop's movements since the last agreed balance explain, named by those
movements, and the ones nothing explains."""

import csv
import io

import factories as make
from common.enums import StockGrade, StockLocationKind
from stock_fixtures import supply

TODAY = make.now().date().isoformat()


def balance_file(rows: list[tuple[str, str, str, int]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["part_number", "location", "grade", "quantity"])
    writer.writerows(rows)
    return out.getvalue()


def stock_at_the_depot(session, world) -> list[tuple[str, str, str, int]]:
    """Fuser and rollers at Trafford Park; what the source's books say about it (they agree)."""
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.NEW, 5)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.fuser, StockGrade.REFURBISHED, 2)
    supply(session, StockLocationKind.FACILITY, world.depot.id, world.rollers, StockGrade.NEW, 10)
    return [("PRN-FUS-220", "FAC:TPK", "new", 5), ("PRN-FUS-220", "FAC:TPK", "refurbished", 2),
            ("PRN-RLR-KIT", "FAC:TPK", "new", 10)]


def differences(body: dict) -> dict[tuple[str, str, str], tuple[int, int, str, list[str]]]:
    """(part, location, grade) -> (source quantity, Fieldloop's, outcome, explaining movement ids)."""
    return {(d["part_number"], d["location"], d["grade"]):
            (d["source_quantity"], d["fieldloop_quantity"], d["outcome"], [m["id"] for m in d["movements"]])
            for d in body["lines"]}


def test_a_balance_file_that_agrees_shows_no_difference(source, session, world):
    r = source.reconcile(TODAY, balance_file(stock_at_the_depot(session, world)))
    assert r.status_code == 201, r.text
    assert r.json()["lines"] == [] and r.json()["counts"]["compared"] == 3


def test_the_reconciliation_shows_exactly_the_planted_differences(source, dana, session, world):
    books = stock_at_the_depot(session, world)
    agreed = source.reconcile(TODAY, balance_file(books)).json()
    assert source.call("POST", f"/api/v1/integration/reconciliations/{agreed['id']}/agree").status_code == 200
    # Fieldloop records two movements the source has not booked yet.
    moved = dana.request("POST", "/api/v1/stock/transfers", json={
        "part_number": "PRN-RLR-KIT", "quantity": 2, "grade": "new", "from_location": "FAC:TPK",
        "to_location": "VAN:amy", "reason": "Top-up"})
    bought = dana.request("POST", "/api/v1/stock/supplies", json={
        "part_number": "PRN-FUS-220", "quantity": 3, "facility": "FAC:TPK", "reason": "PO 4711"})
    assert (moved.status, bought.status) == (201, 201)
    planted = [
        ("PRN-FUS-220", "FAC:TPK", "new", 5),  # the supply of 3 is not booked: explained
        ("PRN-FUS-220", "FAC:TPK", "refurbished", 1),  # a miscount: unexplained
        ("PRN-RLR-KIT", "FAC:TPK", "new", 10),  # the transfer out is not booked: explained
        ("PRN-RLR-KIT", "FAC:TPK", "refurbished", 4),  # units Fieldloop never saw: unexplained
    ]  # and no row for the rollers now in Amy's van: explained by the transfer in

    r = source.reconcile(TODAY, balance_file(planted))

    assert r.status_code == 201, r.text
    transfer, purchase = moved.json["id"], bought.json["id"]
    assert differences(r.json()) == {
        ("PRN-FUS-220", "FAC:TPK", "new"): (5, 8, "explained", [purchase]),
        ("PRN-FUS-220", "FAC:TPK", "refurbished"): (1, 2, "unexplained", []),
        ("PRN-RLR-KIT", "FAC:TPK", "new"): (10, 8, "explained", [transfer]),
        ("PRN-RLR-KIT", "FAC:TPK", "refurbished"): (4, 0, "unexplained", []),
        ("PRN-RLR-KIT", "VAN:amy", "new"): (0, 2, "explained", [transfer]),
    }


def test_a_row_the_database_cannot_hold_is_a_field_error_and_an_id_out_of_range_is_not_found(source):
    r = source.call("POST", "/api/v1/integration/reconciliations", json={"as_of": TODAY, "balances": [
        {"part_number": "PRN-FUS-220\x00", "location": "FAC:TPK\x00", "grade": "new", "quantity": 1}]})
    assert r.status_code == 422, r.text
    assert set(next(iter(r.json()["errors"]["balances"].values()))) == {"part_number", "location"}, r.json()
    assert source.call("GET", "/api/v1/integration/reconciliations/99999999999999").status_code == 404
