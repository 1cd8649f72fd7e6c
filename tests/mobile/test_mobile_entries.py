"""Checks before an entry is saved: the server's own rules on the cached catalogue, then what only the phone knows."""

import pytest

from mobile import entries, workday
from mobile.entries import EntryRefused
from mobile.store import Store

JOB = 120
FUSER, ROLLERS = "PRN-FUS-220", "PRN-RLR-KIT"


@pytest.fixture
def store(tmp_path):
    """A phone whose cache holds a two-part catalogue, a depot, and one job at one site."""
    store = Store(tmp_path / "phone.db")
    changes = [
        {"entity": "part", "id": "1", "op": "upsert",
         "data": {"id": 1, "part_number": FUSER, "serialised": True, "serial_pattern": "AR[0-9]{8}"}},
        {"entity": "part", "id": "2", "op": "upsert",
         "data": {"id": 2, "part_number": ROLLERS, "serialised": False, "serial_pattern": None}},
        {"entity": "facility", "id": "5", "op": "upsert", "data": {"id": 5, "code": "TPK", "kind": "depot"}},
        {"entity": "site", "id": "9", "op": "upsert",
         "data": {"id": 9, "name": "North Office", "installed": [{"part_number": FUSER, "serial": "AR00000001"}]}},
        {"entity": "job", "id": str(JOB), "op": "upsert",
         "data": {"id": JOB, "reference": "J-1", "site_id": 9, "status": "open",
                  "window_start": "2026-11-25T09:00:00+00:00", "window_end": "2026-11-25T11:00:00+00:00"}},
    ]
    store.apply_pull_page(None, {"changes": changes, "cursor": "c1", "has_more": False, "full_resync": True})
    yield store
    store.close()


def refusal(store, *drafts) -> list[dict[str, str]]:
    """The field messages of each draft; checks that nothing was saved."""
    waiting_before = store.waiting_count()
    with pytest.raises(EntryRefused) as refused:
        entries.log(store, list(drafts), "amy")
    assert store.waiting_count() == waiting_before, "a refused entry must not be saved"
    return [refused.value.messages(i) for i in range(len(drafts))]


def test_an_unknown_part_number_is_refused_before_saving(store):
    [messages] = refusal(store, entries.removal(JOB, "PRN-XX", "AR00000001", "faulty"))
    assert messages == {"part_number": "Unknown part number 'PRN-XX'."}


def test_a_serial_that_does_not_fit_the_part_is_refused(store):
    [messages] = refusal(store, entries.removal(JOB, FUSER, "AR123", "faulty"))
    assert messages == {"serial": "'AR123' is not a valid serial for PRN-FUS-220."}


def test_a_serialised_part_needs_its_serial(store):
    [messages] = refusal(store, entries.collection(JOB, FUSER, "", "working"))
    assert "serial" in messages


def test_a_condition_outside_the_list_is_refused_with_the_servers_message(store):
    [messages] = refusal(store, entries.removal(JOB, ROLLERS, None, "broken"))
    assert messages["condition"].startswith("Must be one of")


def test_a_serial_already_logged_on_this_phone_is_refused(store):
    entries.log(store, [entries.removal(JOB, FUSER, "AR00000001", "faulty")], "amy")
    [messages] = refusal(store, entries.collection(JOB, FUSER, "AR00000001", "working"))
    assert messages["serial"] == "AR00000001 is already logged as on its way back (from J-1)."


def test_a_serial_handed_over_may_be_logged_again(store):
    [removed] = entries.log(store, [entries.removal(JOB, FUSER, "AR00000001", "faulty")], "amy")
    entries.log(store, [entries.hand_over(removed.id, 5)], "amy")
    entries.log(store, [entries.collection(JOB, FUSER, "AR00000001", "working")], "amy")
    assert store.waiting_count() == 3


def test_the_part_just_removed_cannot_be_installed_in_the_same_swap(store):
    _, installed = refusal(store, entries.removal(JOB, FUSER, "AR00000001", "faulty"),
                           entries.installation(JOB, FUSER, "AR00000001"))
    assert "cannot be installed" in installed["serial"]


def test_a_swap_is_saved_whole_or_not_at_all(store):
    removed, installed = refusal(store, entries.removal(JOB, FUSER, "AR00000001", "faulty"),
                                 entries.installation(JOB, "PRN-NOPE", None))
    assert removed == {} and installed == {"part_number": "Unknown part number 'PRN-NOPE'."}


def test_a_part_number_typed_in_lower_case_is_saved_as_the_catalogue_writes_it(store):
    [saved] = entries.log(store, [entries.removal(JOB, " prn-fus-220 ", " AR00000001 ", "faulty")], "amy")
    assert saved.payload == {"part_number": FUSER, "serial": "AR00000001", "condition": "faulty"}


def test_blank_optional_fields_are_left_out(store):
    [saved] = entries.log(store, [entries.completion(JOB, "  ", "Ms Patel")], "amy")
    assert saved.payload == {"customer_signoff_name": "Ms Patel"}


def test_an_entry_waiting_shows_its_effect_at_once(store):
    entries.log(store, [entries.removal(JOB, FUSER, "AR00000001", "faulty"), entries.completion(JOB, None, None)], "amy")
    [card] = workday.jobs(store)
    assert card.status == "completed" and card.waiting == 2
    view = workday.job_view(store, JOB)
    assert [item.removed for item in view.installed] == [True]
    assert [line.state for line in workday.carried_lines(store)] == ["not_sent"]


@pytest.mark.parametrize("notes", ["half an emoji \ud83d", "a\x00b"], ids=["lone-surrogate", "nul-character"])
def test_text_the_server_could_not_store_is_refused_before_saving(store, notes):
    [messages] = refusal(store, entries.completion(JOB, notes, "Sam"))
    assert messages["notes"].startswith("Text may not contain")


def test_a_serial_on_a_part_that_is_not_serialised_is_refused_before_saving(store):
    [messages] = refusal(store, entries.removal(JOB, ROLLERS, "RLR-0001", "working"))
    assert messages == {"serial": "PRN-RLR-KIT is not serialised: leave its serial empty."}


def test_empty_fields_say_in_words_what_is_missing(store):
    [messages] = refusal(store, entries.removal(JOB, "", "", "", None))
    assert messages == {"part_number": entries.BLANK["part_number"], "condition": "Choose the condition."}
    [messages] = refusal(store, entries.collection(JOB, FUSER, "", "working"))
    assert messages == {"serial": "Enter the serial: scan its label or type it."}


@pytest.mark.parametrize("typed", ["AR0000O001", "ARO0000001", "AR0000000I", "ar00000001"])
def test_a_serial_with_a_look_alike_character_is_refused_with_the_serial_it_probably_is(store, typed):
    [messages] = refusal(store, entries.removal(JOB, FUSER, typed, "faulty"))
    assert messages == {"serial": "Did you mean AR00000001? O and 0, I and 1 look alike: check the label."}


def expecting(store, *expected_parts):
    """The job now expects these parts back (as a pull would say)."""
    job = {**store.record("job", JOB), "expected_parts": list(expected_parts)}
    store.apply_pull_page("c1", {"changes": [{"entity": "job", "id": str(JOB), "op": "upsert", "data": job}],
                                 "cursor": "c2", "has_more": False, "full_resync": False})


def test_a_swap_saved_whole_names_its_removal_in_the_install(store):
    removal, install = entries.log(store, entries.swap(
        JOB, {"part_number": FUSER, "serial": "AR00000001", "condition": "faulty"},
        {"part_number": FUSER, "serial": "AR00000077"}), "amy")
    assert install.payload == {"part_number": FUSER, "serial": "AR00000077", "replaces": removal.id, "grade": "new"}


def test_the_completion_asks_about_each_expected_unit_nothing_logged_accounts_for(store):
    expecting(store, {"part_number": FUSER, "quantity": 1, "action": "replace"},
              {"part_number": ROLLERS, "quantity": 2, "action": "collect"},
              {"part_number": ROLLERS, "quantity": 1, "action": "inspect"})
    assert workday.expected_back(store, JOB) == [FUSER, ROLLERS, ROLLERS]
    entries.log(store, [entries.removal(JOB, ROLLERS, None, "working")], "amy")
    assert workday.expected_back(store, JOB) == [FUSER, ROLLERS]


def test_answering_removed_at_completion_logs_the_removal_so_nothing_is_asked_again(store):
    expecting(store, {"part_number": FUSER, "quantity": 1, "action": "replace"})
    entries.log(store, [entries.removal(JOB, FUSER, "AR00000001", "unknown"),
                        entries.completion(JOB, None, None)], "amy")
    assert workday.expected_back(store, JOB) == []


def test_a_part_not_removed_is_sent_with_its_reason(store):
    [done] = entries.log(store, [entries.completion(JOB, None, None, [
        {"part_number": FUSER, "reason": " The customer keeps it "}])], "amy")
    assert done.payload == {"not_returned": [{"part_number": FUSER, "reason": "The customer keeps it"}]}
