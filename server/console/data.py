"""Data in and out: CSV imports with a preview and row-level errors, and the returns export."""

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from server.console.forms import ConfirmImportForm, ExportForm, ImportForm
from server.console.pages import staff_blueprint
from server.downloads import csv_download
from server.extensions import db
from server.services.master_data import imports
from server.services.errors import Invalid
from server.services.returns.period import Period

bp = staff_blueprint("console_data", __name__, url_prefix="/console/data")


def _data_page(form: ImportForm | None = None, export: ExportForm | None = None, status: int = 200):
    limits = {"rows": f"{imports.MAX_ROWS:,}", "cell": f"{imports.MAX_CELL_CHARS:,}", "megabytes": _megabytes()}
    return render_template("console/data.html", form=form or ImportForm(), export=export or ExportForm(formdata=None),
                           columns=imports.COLUMNS, kinds=imports.KIND_NAMES, limits=limits), status


def _megabytes() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / 1024 / 1024:g}"


@bp.errorhandler(RequestEntityTooLarge)
def _file_too_large(err: RequestEntityTooLarge):
    # The upload is refused before the form is read: say so under the file field.
    form = ImportForm(formdata=None)
    form.file.errors = [f"The file is larger than the {_megabytes()} MB the console accepts: split it into smaller files."]
    return _data_page(form=form, status=413)


@bp.route("")
def data_page():
    return _data_page()


@bp.route("/preview", methods=["POST"])
def preview():
    form = ImportForm()
    if not form.validate():
        return _data_page(form=form, status=422)
    content = imports.decode(form.file.data.read())
    result = imports.preview_import(db.session, form.kind.data, content)
    confirm = ConfirmImportForm(kind=form.kind.data, content=content)
    return render_template("console/import_preview.html", preview=result, confirm=confirm,
                           filename=form.file.data.filename, kinds=imports.KIND_NAMES,
                           columns=[c.name for c in imports.COLUMNS[form.kind.data]]), 200 if result.ok else 422


@bp.route("/import", methods=["POST"])
def run():
    form = ConfirmImportForm()
    if not form.validate() or form.kind.data not in imports.COLUMNS:
        flash("The import form was incomplete; upload the file again.", "error")
        return redirect(url_for(".data_page"), 303)
    try:
        result = imports.run_import(db.session, form.kind.data, form.content.data)
    except Invalid:
        # The data changed since the preview: show the preview again, with what is wrong now.
        result = imports.preview_import(db.session, form.kind.data, form.content.data)
        return render_template("console/import_preview.html", preview=result, confirm=form, filename="",
                               kinds=imports.KIND_NAMES,
                               columns=[c.name for c in imports.COLUMNS[form.kind.data]]), 422
    flash(f"Imported the {imports.KIND_NAMES[result.kind]}: {result.count('create')} created, "
          f"{result.count('update')} updated, {result.count('unchanged')} unchanged.", "success")
    return redirect(url_for(".data_page"), 303)


@bp.route("/returns.csv")
def export_returns():
    export = ExportForm(request.args)
    if not export.validate():
        return _data_page(export=export, status=422)
    chunks = imports.export_returns(db.session, Period(export.since.data, export.until.data))
    return csv_download(f"returns-{date.today().isoformat()}.csv", chunks)
