"""A CSV file the browser saves, streamed as it is written: the API's and the console's downloads."""

from collections.abc import Iterable

from flask import Response, stream_with_context


def csv_download(filename: str, chunks: Iterable[str]) -> Response:
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
