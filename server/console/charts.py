"""The overview's charts as Chart.js data: plain Python, from `figures_by_day` rows."""

from datetime import date, timedelta


def _labels(rows: list[dict], first_day: date) -> list[str]:
    labels = []
    for i, row in enumerate(rows):
        day = row.get("day") or row.get("date") or first_day + timedelta(days=i)
        day = date.fromisoformat(day) if isinstance(day, str) else day
        labels.append(day.strftime("%d %b"))
    return labels


def _series(rows: list[dict], key: str, scale: float = 1.0) -> list[float | None]:
    values = []
    for row in rows:
        value = row.get(key)
        values.append(None if value is None else round(float(value) * scale, 2))
    return values


def overview_charts(rows: list[dict], first_day: date) -> list[dict]:
    """One chart per question a dispatcher asks, each ``{id, title, type, unit, labels, datasets}``."""
    # Rows without a "day" key are taken as consecutive days from `first_day`.
    labels = _labels(rows, first_day)
    buckets: list[str] = []
    for row in rows:
        for bucket in (row.get("open_by_age") or {}):
            if bucket not in buckets:
                buckets.append(bucket)
    return [
        {"id": "recovery", "title": "Recovery rate", "type": "line", "unit": "%", "labels": labels,
         "datasets": [{"label": "Recovery rate", "data": _series(rows, "recovery_rate", 100)}]},
        {"id": "value", "title": "Value recovered vs expected", "type": "bar", "unit": "€", "labels": labels,
         "datasets": [{"label": "Recovered", "data": _series(rows, "value_recovered")},
                      {"label": "Expected", "data": _series(rows, "value_expected")}]},
        {"id": "cycle", "title": "Cycle time (removal to facility)", "type": "line", "unit": "days", "labels": labels,
         "datasets": [{"label": "Median", "data": _series(rows, "cycle_time_median_days")},
                      {"label": "90th percentile", "data": _series(rows, "cycle_time_p90_days")}]},
        {"id": "age", "title": "Open lines by age", "type": "stacked", "unit": "lines", "labels": labels,
         "datasets": [{"label": bucket, "data": [(row.get("open_by_age") or {}).get(bucket, 0) for row in rows]}
                      for bucket in buckets]},
        {"id": "km", "title": "Courier km: planned vs one trip per line", "type": "bar", "unit": "km", "labels": labels,
         "datasets": [{"label": "Planned routes", "data": _series(rows, "courier_km_planned")},
                      {"label": "Naive baseline", "data": _series(rows, "courier_km_naive")}]},
        {"id": "co2", "title": "CO₂ of courier driving", "type": "bar", "unit": "kg", "labels": labels,
         "datasets": [{"label": "Planned routes", "data": _series(rows, "co2_kg_planned")},
                      {"label": "Naive baseline", "data": _series(rows, "co2_kg_naive")}]},
        {"id": "hierarchy", "title": "Lines by level of the waste hierarchy", "type": "stacked", "unit": "%",
         "labels": labels, "datasets": _hierarchy_shares(rows)},
        {"id": "co2e", "title": "CO₂e avoided by dispositions", "type": "bar", "unit": "kg", "labels": labels,
         "datasets": [{"label": "Avoided", "data": _series(rows, "co2e_avoided_kg")}]},
        {"id": "circularity", "title": "Circularity rate of installs", "type": "line", "unit": "%", "labels": labels,
         "datasets": [{"label": "Refurbished or reused", "data": _series(rows, "circularity_rate", 100)}]},
    ]


def _hierarchy_shares(rows: list[dict]) -> list[dict]:
    """Per level, its share of the day's decided lines (none on a day without any)."""
    levels: list[str] = []
    for row in rows:
        levels.extend(level for level in (row.get("lines_by_hierarchy") or {}) if level not in levels)
    totals = [sum((row.get("lines_by_hierarchy") or {}).values()) for row in rows]
    return [{"label": level.capitalize(),
             "data": [round(100 * (row.get("lines_by_hierarchy") or {}).get(level, 0) / total, 1) if total else None
                      for row, total in zip(rows, totals)]}
            for level in levels]


def bench_chart(hours_by_day: list[dict], first_day: date, days: int) -> dict:
    """Bench hours used per day by facility, and the benches' capacity, from `bench_figures` rows."""
    labels = [(first_day + timedelta(days=n)).isoformat() for n in range(days)]
    facilities = list(dict.fromkeys(row["facility"] for row in hours_by_day))
    used = {(row["facility"], row["day"]): row["hours_used"] for row in hours_by_day}
    capacity = {day: 0.0 for day in labels}
    for row in hours_by_day:
        capacity[row["day"]] = capacity.get(row["day"], 0.0) + row["capacity_hours"]
    return {"id": "bench", "title": "Bench hours used per day", "type": "bar", "unit": "h",
            "labels": _labels([{"day": day} for day in labels], first_day),
            "datasets": [{"label": name, "data": [used.get((name, day), 0.0) for day in labels]} for name in facilities]
            + [{"label": "Capacity", "data": [capacity[day] for day in labels]}]}
