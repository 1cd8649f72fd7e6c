"""Which of a device's sequence numbers have reached the server.

A device numbers its events 1, 2, 3, … . The server keeps the highest number
below which nothing is missing, the highest number seen, and the gaps between
them as ranges, so that a lost entry shows up instead of passing unnoticed.
"""

from dataclasses import dataclass, field


@dataclass
class SeqTracker:
    highest_contiguous: int = 0
    highest_seen: int = 0
    #: Sorted, disjoint [first, last] ranges of missing numbers.
    missing: list[list[int]] = field(default_factory=list)

    def __post_init__(self):
        if self.highest_contiguous > self.highest_seen:
            raise ValueError("highest_contiguous must be at most highest_seen")

    def receive(self, seq: int) -> None:
        if seq < 1:
            raise ValueError("seq must be a positive integer")
        if seq > self.highest_seen:
            if seq > self.highest_seen + 1:
                self.missing.append([self.highest_seen + 1, seq - 1])
            self.highest_seen = seq
        else:
            self._fill(seq)
        self.highest_contiguous = self.missing[0][0] - 1 if self.missing else self.highest_seen

    def _fill(self, seq: int) -> None:
        for i, (first, last) in enumerate(self.missing):
            if first <= seq <= last:
                pieces = [[first, seq - 1]] if first < seq else []
                if seq < last:
                    pieces.append([seq + 1, last])
                self.missing[i : i + 1] = pieces
                return

    def missing_seqs(self, limit: int = 1000) -> list[int]:
        """The missing numbers themselves, the first `limit` of them."""
        out: list[int] = []
        for first, last in self.missing:
            out.extend(range(first, min(last, first + limit - len(out) - 1) + 1))
            if len(out) >= limit:
                break
        return out

    def waiting_on_device(self, reported_seq: int | None) -> int:
        """How many entries the server knows the device holds undelivered: the gaps below the highest
        seq seen, and the numbers above it the device said it had used (`reported_seq`).

        A lower bound: entries logged after the device's last report are not known here.
        """
        gaps = sum(last - first + 1 for first, last in self.missing)
        return gaps + max(0, (reported_seq or 0) - self.highest_seen)


def seq_tracker(device) -> SeqTracker:
    """A tracker of a stored device's seqs (anything with the Device model's seq columns), to read."""
    return SeqTracker(device.highest_contiguous_seq, device.highest_seq_seen, [list(r) for r in device.missing_seq_ranges])
