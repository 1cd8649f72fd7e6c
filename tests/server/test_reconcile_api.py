"""The reconciliation API (a CSV file or JSON), and the ledger's CSV exports for finance, over the test client."""

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from common.enums import MovementKind, StockGrade, StockLocationKind
from integration_fixtures import integration_key  # noqa: F401  (fixture)
from server.models import Reconciliation
from server.services.stock.ledger import location_for, record_movement

DAY = date.today() - timedelta(days=3)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def ledger(session, world):
    """Ten new fusers at the depot the day before; two moved to Amy's van on the day; one more the day after."""
    depot = location_for(session, StockLocationKind.FACILITY, world.depot.id)
    van = location_for(session, StockLocationKind.VAN, world.amy.id)
    session.commit()
    moves = {}
    for key, quantity, source, target, when in (
            ("po-7", 10, None, depot, datetime.combine(DAY - timedelta(days=1), time(12), LONDON)),
            ("van-top-up", 2, depot, van, datetime.combine(DAY, time(10), LONDON)),
            ("po-8", 1, None, depot, datetime.combine(DAY + timedelta(days=1), time(9), LONDON))):
        moves[key] = record_movement(
            session, MovementKind.TRANSFER if source else MovementKind.SUPPLY, key, part_number_id=world.fuser.id,
            quantity=quantity, source=(source, StockGrade.NEW) if source else None, target=(target, StockGrade.NEW),
            occurred_at=when, reason="PO" if not source else "Van top-up")
    session.commit()
    return {key: str(m.id) for key, m in moves.items()}


@pytest.fixture
def token(phone_of):
    return phone_of("dana").token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_an_uploaded_balance_file_answers_each_difference_with_the_movements_that_explain_it(client, token, ledger):
    content = "part_number,location,grade,quantity\nPRN-FUS-220,FAC:TPK,new,10\n"
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(token),
                    data={"as_of": DAY.isoformat(), "file": (io.BytesIO(content.encode()), "erp-balances.csv")})

    assert r.status_code == 201, r.json
    body = r.json
    assert (body["as_of"], body["filename"], body["agreed_at"]) == (DAY.isoformat(), "erp-balances.csv", None)
    assert body["counts"] == {"compared": 2, "agreeing": 0, "explained": 2, "unexplained": 0}
    depot, van = body["lines"]
    assert (depot["location"], depot["source_quantity"], depot["fieldloop_quantity"], depot["difference"]) == \
        ("FAC:TPK", 10, 8, -2)
    assert [m["id"] for m in depot["movements"]] == [ledger["van-top-up"]]
    assert depot["movements"][0]["kind"] == "transfer"
    assert (van["location"], van["difference"], van["outcome"]) == ("VAN:amy", 2, "explained")


def test_balances_sent_as_json_are_compared_and_can_be_read_back_and_agreed(client, token, ledger):
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(token), json={
        "as_of": DAY.isoformat(), "balances": [
            {"part_number": "PRN-FUS-220", "location": "FAC:TPK", "grade": "new", "quantity": 8},
            {"part_number": "PRN-FUS-220", "location": "VAN:amy", "grade": "new", "quantity": 2},
            {"part_number": "PRN-RLR-KIT", "location": "FAC:TPK", "grade": "refurbished", "quantity": 3}]})
    assert r.status_code == 201, r.json
    [line] = r.json["lines"]
    assert (line["part_number"], line["difference"], line["outcome"], line["movements"]) == \
        ("PRN-RLR-KIT", -3, "unexplained", [])

    again = client.get(f"/api/v1/integration/reconciliations/{r.json['id']}", headers=bearer(token))
    assert again.json == r.json
    agreed = client.post(f"/api/v1/integration/reconciliations/{r.json['id']}/agree", headers=bearer(token))
    assert agreed.status_code == 200 and agreed.json["agreed_at"] is not None

    after = client.post("/api/v1/integration/reconciliations", headers=bearer(token),
                        json={"as_of": (DAY + timedelta(days=1)).isoformat(), "balances": [
                            {"part_number": "PRN-FUS-220", "location": "FAC:TPK", "grade": "new", "quantity": 8},
                            {"part_number": "PRN-FUS-220", "location": "VAN:amy", "grade": "new", "quantity": 1}]})
    assert after.json["since_id"] == r.json["id"]
    # The next day's supply is since the agreed balance; the van's top-up was agreed, so it explains nothing now.
    explained = {line["location"]: [m["id"] for m in line["movements"]] for line in after.json["lines"]}
    assert explained == {"FAC:TPK": [ledger["po-8"]], "VAN:amy": []}


def test_the_source_system_reconciles_and_exports_with_its_integration_key(client, integration_key, ledger):
    integration, key = integration_key
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(key), json={
        "as_of": DAY.isoformat(), "balances": [
            {"part_number": "PRN-FUS-220", "location": "FAC:TPK", "grade": "new", "quantity": 8},
            {"part_number": "PRN-FUS-220", "location": "VAN:amy", "grade": "new", "quantity": 2}]})

    assert r.status_code == 201, r.json
    assert (r.json["source"], r.json["lines"]) == ("erp", [])
    assert client.post(f"/api/v1/integration/reconciliations/{r.json['id']}/agree",
                       headers=bearer(key)).json["agreed_at"]
    assert client.get("/api/v1/stock/export/balances.csv", headers=bearer(key)).status_code == 200
    # The stock ledger's other endpoints stay closed to the key.
    assert client.get("/api/v1/stock/balances", headers=bearer(key)).status_code == 403


def test_a_windows_1252_file_with_semicolons_is_read(client, token, ledger):
    content = "part_number;location;grade;quantity;note\nPRN-FUS-220;FAC:TPK;new;8;Dépôt\nPRN-FUS-220;VAN:amy;new;2;\n"
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(token),
                    data={"as_of": DAY.isoformat(), "file": (io.BytesIO(content.encode("cp1252")), "erp.csv")})
    assert r.status_code == 201, r.json
    assert (r.json["counts"]["agreeing"], r.json["lines"]) == (2, [])


def test_bad_rows_in_a_file_are_refused_by_line_and_column_and_nothing_is_stored(client, token, session, world):
    content = ("part_number,location,grade,quantity\n"
               "PRN-NOPE,FAC:TPK,new,1\n"
               "PRN-FUS-220,FAC:XXX,new,1\n"
               "PRN-FUS-220,FAC:TPK,mint,1\n"
               "PRN-FUS-220,FAC:TPK,new,-1\n"
               "PRN-FUS-220,VAN:amy,new,1.5\n")
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(token),
                    data={"as_of": DAY.isoformat(), "file": (io.BytesIO(content.encode()), "b.csv")})

    assert r.status_code == 422
    errors = r.json["errors"]["file"]
    assert {line: list(columns) for line, columns in errors.items()} == {
        "2": ["part_number"], "3": ["location"], "4": ["grade"], "5": ["quantity"], "6": ["quantity"]}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Reconciliation)) == 0


@pytest.mark.parametrize("as_of", ["2026-13-01", "yesterday", "", None, 20261201])
def test_a_bad_date_is_refused_on_as_of(client, token, world, as_of):
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(token),
                    json={"as_of": as_of, "balances": []})
    assert r.status_code == 422
    assert list(r.json["errors"]) == ["as_of"]


def test_bad_json_rows_are_refused_by_index(client, token, world):
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(token), json={
        "as_of": DAY.isoformat(), "balances": [
            {"part_number": "PRN-FUS-220", "location": "FAC:TPK", "grade": "new", "quantity": 1},
            {"part_number": "PRN-FUS-220", "location": "FAC:TPK", "grade": "new", "quantity": True},
            "not a row"]})
    assert r.status_code == 422
    assert r.json["errors"] == {"balances": {"2": {"row": ["Must be an object."]}}}


def test_an_upload_without_a_file_is_refused_on_file(client, token, world):
    r = client.post("/api/v1/integration/reconciliations", headers=bearer(token), data={"as_of": DAY.isoformat()})
    assert r.status_code == 422 and list(r.json["errors"]) == ["file"]


def test_an_unknown_reconciliation_is_404(client, token, world):
    assert client.get("/api/v1/integration/reconciliations/99", headers=bearer(token)).status_code == 404
    assert client.post("/api/v1/integration/reconciliations/99/agree", headers=bearer(token)).status_code == 404


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_balance_export_lists_the_balances_as_of_a_moment(client, token, ledger):
    as_of = datetime.combine(DAY + timedelta(days=1), time(0), LONDON).isoformat()
    r = client.get("/api/v1/stock/export/balances.csv", headers=bearer(token), query_string={"as_of": as_of})

    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment; filename=balances-" in r.headers["Content-Disposition"]
    rows = read_csv(r)
    assert [(row["location"], row["part_number"], row["grade"], row["quantity"]) for row in rows] == [
        ("FAC:TPK", "PRN-FUS-220", "new", "8"), ("VAN:amy", "PRN-FUS-220", "new", "2")]
    assert rows[0]["location_name"] == "Trafford Park depot"


def test_the_movement_export_lists_a_periods_movements_in_ledger_order(client, token, ledger):
    start = datetime.combine(DAY, time(0), LONDON)
    r = client.get("/api/v1/stock/export/movements.csv", headers=bearer(token), query_string={
        "from": start.isoformat(), "until": (start + timedelta(days=2)).isoformat()})

    assert r.status_code == 200
    rows = read_csv(r)
    assert [row["id"] for row in rows] == [ledger["van-top-up"], ledger["po-8"]]
    top_up = rows[0]
    assert (top_up["kind"], top_up["quantity"], top_up["from_location"], top_up["to_location"], top_up["reason"],
            top_up["left_negative"]) == ("transfer", "2", "FAC:TPK", "VAN:amy", "Van top-up", "no")


def test_the_movement_export_without_a_period_has_every_movement(client, token, ledger):
    rows = read_csv(client.get("/api/v1/stock/export/movements.csv", headers=bearer(token)))
    assert [row["id"] for row in rows] == list(ledger.values())


def test_a_bad_period_is_refused_on_its_field(client, token, world):
    r = client.get("/api/v1/stock/export/movements.csv", headers=bearer(token), query_string={"from": "soon"})
    assert r.status_code == 422 and "from" in str(r.json["errors"])


def test_the_exports_take_the_same_filters_as_the_json_lists(client, token, ledger):
    balances = read_csv(client.get("/api/v1/stock/export/balances.csv", headers=bearer(token),
                                   query_string={"location": "VAN:amy", "grade": "new", "part_number": "PRN-FUS-220"}))
    assert [(row["location"], row["quantity"]) for row in balances] == [("VAN:amy", "2")]
    movements = read_csv(client.get("/api/v1/stock/export/movements.csv", headers=bearer(token),
                                    query_string={"location": "VAN:amy", "part_number": "PRN-FUS-220"}))
    assert [row["id"] for row in movements] == [ledger["van-top-up"]]
