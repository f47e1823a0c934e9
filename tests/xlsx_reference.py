"""The workbook the exports wrote through pandas and openpyxl before XlsxWriter: what the
XlsxWriter workbooks of trainingapp.platform.tabular are compared with, cell for cell."""
import io

import pandas as pd

from trainingapp.platform import tabular


def openpyxl_workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = frame.copy()
            for column in safe.columns:
                if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
                    safe[column] = safe[column].map(tabular.neutralise)
            safe.columns = [tabular.neutralise(str(c)) for c in safe.columns]
            safe.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for index, column in enumerate(frame.columns, start=1):
                letter = sheet.cell(row=1, column=index).column_letter
                sheet.column_dimensions[letter].width = tabular.column_width(column, frame[column].tolist())
            sheet.freeze_panes = "A2"
    return buffer.getvalue()


def column_widths(sheet) -> dict[int, float]:
    """Column number -> width; XlsxWriter writes one <col> for neighbours of the same width."""
    return {number: dimension.width for dimension in sheet.column_dimensions.values()
            for number in range(dimension.min, dimension.max + 1)}
