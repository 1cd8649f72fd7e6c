"""Reconciliation against a planted ledger: differences, their explaining movements, bad rows, the agreed marker."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from common.enums import MovementKind, StockGrade, StockLocationKind
from server.models import Reconciliation, StockLocation
from server.services.errors import Conflict, Invalid
from server.services.integration import reconcile as service
from server.services.integration.reconcile import BalanceRow, read_balance_file
from server.services.stock.ledger import location_for, record_movement

ZONE = "Europe/London"
DAY = date.today() - timedelta(days=5)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(ZONE))


def move(session, key, part, quantity, *, source=None, target=None, when):
    movement = record_movement(session, MovementKind.TRANSFER, key, part_number_id=part.id, quantity=quantity,
                               source=source, target=target, occurred_at=when, reason="test")
    session.commit()
    return movement


@pytest.fixture
def ledger(session, world):
    """Ten new fusers reach the depot the day before; on the day two go to Amy's van and she installs one;
    five more reach the depot the day after."""
    depot = location_for(session, StockLocationKind.FACILITY, world.depot.id)
    van = location_for(session, StockLocationKind.VAN, world.amy.id)
    session.commit()
    new = StockGrade.NEW
    return {
        "supply": move(session, "supply", world.fuser, 10, target=(depot, new), when=at(DAY - timedelta(days=1), 12)),
        "transfer": move(session, "transfer", world.fuser, 2, source=(depot, new), target=(van, new), when=at(DAY, 10)),
        "install": move(session, "install", world.fuser, 1, source=(van, new), when=at(DAY, 15)),
        "later": move(session, "later", world.fuser, 5, target=(depot, new), when=at(DAY + timedelta(days=1), 9)),
    }


def rows(*balances) -> list[BalanceRow]:
    return [BalanceRow(i, *balance) for i, balance in enumerate(balances)]


def by_key(reconciliation):
    return {(line.part_number, line.location, line.grade.value): line for line in reconciliation.lines}


def test_differences_are_explained_by_the_movements_the_source_has_not_booked(session, world, ledger):
    # The source booked the supply only: it has all ten at the depot and nothing in the van.
    result = service.reconcile(session, DAY, rows(("PRN-FUS-220", "FAC:TPK", "new", "10"),
                                                   ("PRN-FUS-220", "VAN:amy", "new", 0)), world.dana, zone=ZONE)

    lines = by_key(result)
    depot, van = lines[("PRN-FUS-220", "FAC:TPK", "new")], lines[("PRN-FUS-220", "VAN:amy", "new")]
    assert (depot.source_quantity, depot.fieldloop_quantity, depot.difference, depot.outcome) == (10, 8, -2, "explained")
    assert depot.movement_ids == [str(ledger["transfer"].id)]
    assert (van.source_quantity, van.fieldloop_quantity, van.difference, van.outcome) == (0, 1, 1, "explained")
    assert van.movement_ids == [str(ledger["transfer"].id), str(ledger["install"].id)]
    assert service.counts(result) == {"compared": 2, "agreeing": 0, "explained": 2, "unexplained": 0}


def test_a_balance_the_source_holds_and_fieldloop_does_not_is_unexplained(session, world, ledger):
    result = service.reconcile(session, DAY, rows(("PRN-FUS-220", "FAC:TPK", "new", "8"),
                                                   ("PRN-FUS-220", "VAN:amy", "new", "1"),
                                                   ("PRN-RLR-KIT", "FAC:TPK", "new", "4")), world.dana, zone=ZONE)

    [line] = result.lines
    assert (line.part_number, line.source_quantity, line.fieldloop_quantity, line.outcome) == \
        ("PRN-RLR-KIT", 4, 0, "unexplained")
    assert line.movement_ids == []
    assert service.counts(result)["agreeing"] == 2


def test_a_balance_missing_from_the_file_counts_as_zero_there(session, world, ledger):
    result = service.reconcile(session, DAY, rows(("PRN-FUS-220", "FAC:TPK", "new", "8")), world.dana, zone=ZONE)

    [van] = result.lines
    assert (van.location, van.source_quantity, van.fieldloop_quantity, van.outcome) == ("VAN:amy", 0, 1, "explained")


def test_the_ledger_is_read_at_the_end_of_the_day_the_balances_are_of(session, world, ledger):
    result = service.reconcile(session, DAY + timedelta(days=1), rows(("PRN-FUS-220", "FAC:TPK", "new", "13"),
                                                                       ("PRN-FUS-220", "VAN:amy", "new", "1")),
                               world.dana, zone=ZONE)

    assert result.lines == []
    assert result.as_of_moment == at(DAY + timedelta(days=2), 0)


def test_an_empty_file_against_an_empty_ledger_has_no_differences(session, world):
    result = service.reconcile(session, DAY, [], world.dana, zone=ZONE)

    assert (result.lines, result.rows_compared) == ([], 0)


def test_explanations_start_after_the_last_agreed_reconciliation(session, world, ledger):
    first = service.reconcile(session, DAY, rows(("PRN-FUS-220", "FAC:TPK", "new", "8"),
                                                  ("PRN-FUS-220", "VAN:amy", "new", "1")), world.dana, zone=ZONE)
    service.agree(session, first.id, world.dana)
    # The source then loses the van's unit (and never booked the later supply): the install is agreed as booked,
    # so it cannot explain the van's difference any more; the later supply explains the depot's.
    second = service.reconcile(session, DAY + timedelta(days=1), rows(("PRN-FUS-220", "FAC:TPK", "new", "8"),
                                                                       ("PRN-FUS-220", "VAN:amy", "new", "2")),
                               world.dana, zone=ZONE)

    assert (second.since_id, second.since_seq) == (first.id, first.ledger_seq)
    lines = by_key(second)
    assert lines[("PRN-FUS-220", "FAC:TPK", "new")].movement_ids == [str(ledger["later"].id)]
    assert lines[("PRN-FUS-220", "VAN:amy", "new")].outcome == "unexplained"


def test_agreeing_twice_changes_nothing_and_an_earlier_reconciliation_cannot_be_agreed_after_a_later(session, world,
                                                                                                   ledger):
    older = service.reconcile(session, DAY, [], world.dana, zone=ZONE)
    newer = service.reconcile(session, DAY + timedelta(days=1), [], world.dana, zone=ZONE)
    agreed = service.agree(session, newer.id, world.dana)
    when = agreed.agreed_at

    assert service.agree(session, newer.id, world.admin).agreed_at == when
    with pytest.raises(Conflict) as refused:
        service.agree(session, older.id, world.dana)
    assert "reconciliation" in refused.value.errors
    assert service.last_agreed(session).id == newer.id


@pytest.mark.parametrize("row, column, says", [
    (("PRN-NOPE", "FAC:TPK", "new", "1"), "part_number", "Unknown part number"),
    (("PRN-FUS-220", "FAC:NOPE", "new", "1"), "location", "Unknown location"),
    (("PRN-FUS-220", "VAN:nobody", "new", "1"), "location", "Unknown location"),
    (("PRN-FUS-220", "FAC:TPK", "mint", "1"), "grade", "Unknown grade"),
    (("PRN-FUS-220", "FAC:TPK", "new", "-3"), "quantity", "Cannot be negative"),
    (("PRN-FUS-220", "FAC:TPK", "new", "2.5"), "quantity", "whole number"),
    (("PRN-FUS-220", "FAC:TPK", "new", 2.5), "quantity", "whole number"),
    (("PRN-FUS-220", "FAC:TPK", "new", ""), "quantity", "whole number"),
    (("", "FAC:TPK", "new", "1"), "part_number", "Required"),
])
def test_a_bad_row_refuses_the_whole_file_with_the_field_named_and_stores_nothing(session, world, ledger, row,
                                                                                  column, says):
    good = ("PRN-FUS-220", "FAC:TPK", "new", "8")
    with pytest.raises(Invalid) as refused:
        service.reconcile(session, DAY, rows(good, row), world.dana, zone=ZONE, rows_field="file")

    assert list(refused.value.errors) == ["file"]
    assert list(refused.value.errors["file"]) == ["1"]
    assert says in refused.value.errors["file"]["1"][column][0]
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Reconciliation)) == 0


def test_a_row_listed_twice_is_refused(session, world):
    with pytest.raises(Invalid) as refused:
        service.reconcile(session, DAY, rows(("PRN-FUS-220", "FAC:TPK", "new", "1"),
                                             ("PRN-FUS-220", "FAC:TPK", "new", "2")), world.dana, zone=ZONE)
    assert "listed twice" in refused.value.errors["balances"]["1"]["row"][0]


def test_balances_of_a_day_to_come_are_refused(session, world):
    with pytest.raises(Invalid) as refused:
        service.reconcile(session, date.today() + timedelta(days=2), [], world.dana, zone=ZONE)
    assert list(refused.value.errors) == ["as_of"]


def test_checking_a_location_code_makes_no_stock_location(session, world):
    make_site_code = f"SITE:{world.north.id}"
    service.reconcile(session, DAY, rows(("PRN-FUS-220", make_site_code, "new", "0")), world.dana, zone=ZONE)
    assert session.scalar(sa.select(sa.func.count()).select_from(StockLocation)) == 0


def test_a_balance_file_is_read_by_its_header_in_any_order_with_semicolons_and_blank_lines():
    content = "\ufeffGrade;Quantity;Location;Part_Number;note\r\nnew;3;FAC:TPK;PRN-FUS-220;x\r\n\r\nfaulty;1;VAN:amy;PRN-FUS-220\r\n"
    assert read_balance_file(content) == [BalanceRow(2, "PRN-FUS-220", "FAC:TPK", "new", "3"),
                                          BalanceRow(4, "PRN-FUS-220", "VAN:amy", "faulty", "1")]


def test_a_file_without_the_columns_is_refused_on_the_file():
    with pytest.raises(Invalid) as refused:
        read_balance_file("part_number,location\nPRN-FUS-220,FAC:TPK\n")
    assert "grade, quantity" in refused.value.errors["file"][0]


def test_a_tab_separated_file_is_read_too():
    assert read_balance_file("part_number\tlocation\tgrade\tquantity\nPRN-FUS-220\tFAC:TPK\tnew\t3\n") == [
        BalanceRow(2, "PRN-FUS-220", "FAC:TPK", "new", "3")]


def test_a_grade_change_in_place_explains_both_grades_of_the_location(session, world, ledger):
    depot = location_for(session, StockLocationKind.FACILITY, world.depot.id)
    record_movement(session, MovementKind.PROCESSING, "refurbished", part_number_id=world.fuser.id, quantity=1,
                    source=(depot, StockGrade.NEW), target=(depot, StockGrade.REFURBISHED), occurred_at=at(DAY, 16))
    session.commit()

    result = service.reconcile(session, DAY, rows(("PRN-FUS-220", "FAC:TPK", "new", "8"),
                                                  ("PRN-FUS-220", "VAN:amy", "new", "1")), world.dana, zone=ZONE)

    lines = by_key(result)
    assert lines[("PRN-FUS-220", "FAC:TPK", "new")].difference == -1
    assert lines[("PRN-FUS-220", "FAC:TPK", "refurbished")].difference == 1
    assert lines[("PRN-FUS-220", "FAC:TPK", "new")].movement_ids == \
        lines[("PRN-FUS-220", "FAC:TPK", "refurbished")].movement_ids
    assert {line.outcome for line in result.lines} == {"explained"}
