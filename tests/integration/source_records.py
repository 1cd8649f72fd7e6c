"""The source system's records, as it sends them: small builders per kind and one named data set,
"Northwind Legal's estate": a customer with two offices, a printer catalogue, the units installed there,
the jobs booked for them and the service contract that covers both offices."""

from datetime import date, datetime, timedelta, timezone


#: The kinds in the worst order to send them: each before the kinds it refers to.
KINDS_CHILDREN_FIRST = ("contract", "job", "item", "site", "part", "customer")


def record(kind: str, external_id: str, **data) -> dict:
    return {"kind": kind, "external_id": external_id, "data": data}


def customer(external_id: str, name: str) -> dict:
    return record("customer", external_id, name=name)


def site(external_id: str, customer_external_id: str, name: str, **fields) -> dict:
    data = {"customer_external_id": customer_external_id, "name": name, "address": f"1 {name} Street, Manchester",
            "latitude": 53.48, "longitude": -2.24, "postcode": "M1 1AA", "contact_name": "Reception",
            "contact_email": "reception@northwind.example", "contact_phone": "0161 555 0100",
            "hours": "mon-fri 08:00-17:00", **fields}
    return record("site", external_id, **data)


def part(external_id: str, part_number: str, **fields) -> dict:
    data = {"part_number": part_number, "description": f"Part {part_number}", "category": "printer",
            "vendor": "Acme", "new_price": "310.00", "refurbishment_cost": "40.00", "weight_kg": 2.5,
            "volume_l": 6.0, "serialised": True, **fields}
    return record("part", external_id, **data)


def item(external_id: str, part_number: str, serial: str, site_external_id: str, installed_on: date) -> dict:
    return record("item", external_id, part_number=part_number, serial=serial, site_external_id=site_external_id,
                  installed_on=installed_on.isoformat())


def job(external_id: str, site_external_id: str, starts: datetime, engineer: str | None, **fields) -> dict:
    data = {"site_external_id": site_external_id, "reference": external_id, "summary": f"Service visit {external_id}",
            "window_start": starts.isoformat(), "window_end": (starts + timedelta(hours=2)).isoformat(),
            "engineer_username": engineer, "status": "open", "expected_parts": [], **fields}
    return record("job", external_id, **data)


def contract(external_id: str, customer_external_id: str, site_external_ids: list[str], **fields) -> dict:
    data = {"customer_external_id": customer_external_id, "number": external_id, "starts_on": "2026-01-01",
            "ends_on": "2027-12-31", "service_level": "next-business-day", "site_external_ids": site_external_ids,
            **fields}
    return record("contract", external_id, **data)


def northwind_estate(today: date) -> list[dict]:
    """Every record of the data set, parents before children (the order a tidy export has)."""
    starts = datetime.combine(today + timedelta(days=1), datetime.min.time(), timezone.utc).replace(hour=9)
    return [
        customer("C-100", "Northwind Legal"),
        site("S-100", "C-100", "Northwind North Office"),
        site("S-101", "C-100", "Northwind South Office", latitude=53.40, longitude=-2.15, postcode="M20 2AA"),
        part("P-FUS", "ERP-FUS-220", description="Fuser unit 220V", serial_pattern="FU[0-9]{6}"),
        part("P-RLR", "ERP-RLR-KIT", description="Roller kit", serialised=False, weight_kg=0.4, volume_l=1.0),
        part("P-MFP", "ERP-MFP-C550", description="Multifunction printer", new_price="4200.00",
             refurbishment_cost="380.00", weight_kg=95.0, volume_l=450.0),
        item("I-1", "ERP-FUS-220", "FU000001", "S-100", today - timedelta(days=400)),
        item("I-2", "ERP-FUS-220", "FU000002", "S-101", today - timedelta(days=300)),
        item("I-3", "ERP-MFP-C550", "MF000003", "S-100", today - timedelta(days=900)),
        job("J-500", "S-100", starts, "amy",
            expected_parts=[{"part_number": "ERP-FUS-220", "quantity": 1, "kind": "replace"}]),
        job("J-501", "S-101", starts + timedelta(hours=3), "ben"),
        job("J-502", "S-101", starts + timedelta(days=1), None),
        contract("K-9", "C-100", ["S-100", "S-101"]),
    ]


def children_first(records: list[dict]) -> list[dict]:
    """The same records in the worst order: every record before the ones it refers to."""
    return list(reversed(records))
