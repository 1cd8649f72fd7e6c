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
    ]
